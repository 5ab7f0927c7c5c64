package ai.djl.pruning.examples.zoo;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.efficient.Activations;
import ai.djl.pruning.nn.efficient.InvertedResidual;
import com.google.common.base.Preconditions;

/**
 * MobileNetV2 (Sandler et al. 2018, table 2) adapted to 32×32 CIFAR images the common way (as in
 * kuangliu/pytorch-cifar's {@code MobileNetV2}): the stem conv has stride 1 instead of 2 and the second
 * stage (24 channels) stride 1 instead of 2, so the network downsamples 32→16→8→4 instead of shrinking
 * a 32×32 image to 1×1; the rest is the paper's: stages (t, c, n, s) = (1, 16, 1, 1), (6, 24, 2, 1),
 * (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1), a 1×1 conv to 1280, global
 * average pool, linear. Blocks are the paper's {@link InvertedResidual}s with ReLU6 and an identity
 * shortcut only where the shape is kept (kuangliu's version differs there: ReLU, an expand conv even at
 * t = 1, and a 1×1 conv shortcut when the width changes at stride 1). At α = 1: 2.24 M parameters,
 * 88.0 M MACs per image (conv and linear).
 *
 * <p>The width multiplier α scales every width but the last conv's (1280 · max(1, α)), rounded to a
 * multiple of 8 as torchvision's {@code _make_divisible}.
 */
public final class MobileNetV2Cifar {

    /** (t, c, n, s) per stage, with the CIFAR strides. */
    private static final int[][] STAGES = {
        {1, 16, 1, 1}, {6, 24, 2, 1}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}
    };

    private MobileNetV2Cifar() {}

    /**
     * Builds the network.
     *
     * @param width the width multiplier α, in (0, 4]
     * @param classes output classes
     * @return an uninitialised block
     */
    public static Block build(double width, int classes) {
        Preconditions.checkArgument(width > 0 && width <= 4, "width multiplier must be in (0, 4], got %s", width);
        int in = divisible(32 * width);
        NamedSequentialBlock net = new NamedSequentialBlock()
                .add("conv1", conv(3, in, 1))
                .add("bn1", BatchNorm.builder().build())
                .add("act1", Activations.relu6());
        for (int s = 0; s < STAGES.length; s++) {
            int[] st = STAGES[s];
            int out = divisible(st[1] * width);
            NamedSequentialBlock stage = new NamedSequentialBlock();
            for (int i = 0; i < st[2]; i++) {
                stage.add(String.valueOf(i), InvertedResidual.builder()
                        .setInChannels(in).setOutChannels(out).optExpansion(st[0]).optStride(i == 0 ? st[3] : 1)
                        .build());
                in = out;
            }
            net.add("stage" + (s + 1), stage);
        }
        int last = divisible(1280 * Math.max(1.0, width));
        return net.add("conv2", conv(1, last, 1))
                .add("bn2", BatchNorm.builder().build())
                .add("act2", Activations.relu6())
                .add("pool", new GlobalAvgPool2d())
                .add("linear", Linear.builder().setUnits(classes).build());
    }

    /** torchvision's {@code _make_divisible(v, 8)}: nearest multiple of 8, at least 8, not below 0.9·v. */
    static int divisible(double v) {
        int d = Math.max(8, (int) (v + 4) / 8 * 8);
        return d < 0.9 * v ? d + 8 : d;
    }

    private static Conv2d conv(int kernel, int filters, int stride) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2)).setFilters(filters).optBias(false).build();
    }
}
