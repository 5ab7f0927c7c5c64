package ai.djl.pruning.examples.zoo;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.MaxPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import com.google.common.base.Preconditions;
import java.util.List;

/**
 * The VGG of the MIT EfficientML Lab 1: conv widths 64, 128, M, 256, 256, M, 512, 512, M, 512, 512, M
 * (3×3, padding 1, no bias, each followed by BatchNorm and ReLU; M = 2×2 max pool), a mean over H and W,
 * then Linear 512→10. 9,228,362 parameters. Child names follow the lab's PyTorch module names ({@code
 * backbone.conv0}, {@code backbone.bn0}, ..., {@code classifier}).
 */
public final class LabVgg {

    /** The lab's configuration; -1 stands for a max pool. */
    public static final List<Integer> CONFIG =
            List.of(64, 128, -1, 256, 256, -1, 512, 512, -1, 512, 512, -1);

    private LabVgg() {}

    /**
     * Builds the lab's VGG.
     *
     * @param classes number of output classes
     * @return an uninitialised block
     */
    public static Block build(int classes) {
        return build(CONFIG, classes);
    }

    /**
     * Returns the lab's configuration with every conv except the last narrowed to {@code
     * round(keep · width)}: the architecture Lab 1 gets by pruning channels (0.7 for its 30% example).
     *
     * @param keep fraction of channels kept, in (0, 1]
     * @return conv widths, -1 for a max pool
     */
    public static List<Integer> narrowedConfig(double keep) {
        Preconditions.checkArgument(keep > 0 && keep <= 1, "keep ratio must be in (0, 1], got %s", keep);
        int lastConv = CONFIG.lastIndexOf(512);
        List<Integer> out = new java.util.ArrayList<>();
        for (int i = 0; i < CONFIG.size(); i++) {
            int w = CONFIG.get(i);
            out.add(w == -1 || i == lastConv ? w : (int) Math.round(keep * w));
        }
        return out;
    }

    /**
     * Builds a VGG of the lab's shape with other conv widths (for example a channel-pruned one).
     *
     * @param config conv widths in order, -1 for a max pool
     * @param classes number of output classes
     * @return an uninitialised block
     */
    public static Block build(List<Integer> config, int classes) {
        NamedSequentialBlock backbone = new NamedSequentialBlock();
        int conv = 0;
        int pool = 0;
        for (int width : config) {
            if (width == -1) {
                backbone.add("pool" + pool++, new MaxPool2d(2, 2));
                continue;
            }
            Preconditions.checkArgument(width > 0, "conv width must be positive, got %s", width);
            backbone.add("conv" + conv, Conv2d.builder()
                            .setKernelShape(new Shape(3, 3))
                            .optPadding(new Shape(1, 1))
                            .setFilters(width)
                            .optBias(false)
                            .build())
                    .add("bn" + conv, BatchNorm.builder().build())
                    .add("relu" + conv, new Relu());
            conv++;
        }
        return new NamedSequentialBlock()
                .add("backbone", backbone)
                .add("pool", new GlobalAvgPool2d())
                .add("classifier", Linear.builder().setUnits(classes).build());
    }
}
