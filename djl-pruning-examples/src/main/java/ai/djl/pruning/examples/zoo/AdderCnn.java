package ai.djl.pruning.examples.zoo;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.adder.AdderConv2d;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.MaxPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import com.google.common.base.Preconditions;

/**
 * A small CIFAR-10 CNN in two twins of the same architecture, for comparing AdderNet with
 * multiplication: a 3×3 conv stem (w channels), then three 3×3 layers (2w, 4w, 4w channels) that are
 * {@link AdderConv2d} in the adder twin and {@link Conv2d} (no bias) in the conv twin, each followed by
 * BatchNorm and ReLU, max pools after the stem and the first two, global average pooling and a linear
 * classifier. As in the AdderNet paper, the first and last layers stay multiplicative.
 *
 * <pre>
 * conv 3→w @32 · BN · ReLU · pool → L1: w→2w @16 · BN · ReLU · pool → L2: 2w→4w @8 · BN · ReLU · pool
 *   → L3: 4w→4w @4 · BN · ReLU → mean → fc 4w→10
 * </pre>
 */
public final class AdderCnn {

    private AdderCnn() {}

    /**
     * Builds one twin.
     *
     * @param adder true for AdderNet layers in L1–L3, false for convolutions
     * @param width w, the stem's channels
     * @return an uninitialised block
     */
    public static Block build(boolean adder, int width) {
        Preconditions.checkArgument(width >= 1, "width must be >= 1, got %s", width);
        NamedSequentialBlock net = new NamedSequentialBlock()
                .add("conv0", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(width).optBias(false).build())
                .add("bn0", BatchNorm.builder().build())
                .add("relu0", new Relu())
                .add("pool0", new MaxPool2d(2, 2));
        int[] widths = {2 * width, 4 * width, 4 * width};
        for (int i = 0; i < widths.length; i++) {
            String n = String.valueOf(i + 1);
            net.add((adder ? "adder" : "conv") + n, adder
                    ? AdderConv2d.builder().setKernel(3).setFilters(widths[i]).optPadding(1).build()
                    : Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                            .setFilters(widths[i]).optBias(false).build());
            net.add("bn" + n, BatchNorm.builder().build());
            net.add("relu" + n, new Relu());
            if (i < 2) {
                net.add("pool" + n, new MaxPool2d(2, 2));
            }
        }
        net.add("pool", new GlobalAvgPool2d());
        net.add("fc", Linear.builder().setUnits(10).build());
        return net;
    }
}
