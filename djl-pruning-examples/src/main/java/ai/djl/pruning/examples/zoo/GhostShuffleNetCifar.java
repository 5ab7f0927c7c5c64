package ai.djl.pruning.examples.zoo;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.efficient.GhostModule;
import ai.djl.pruning.nn.efficient.ShuffleUnit;

/**
 * A small CIFAR-10 network of ghost modules and ShuffleNet units (this project's own, for trying the
 * blocks, not a published architecture): 3×3 stem conv 3→24, ghost module 24→48 at 32×32; ShuffleNet
 * units with g = 4: 48→96 (stride 2) + 96 at 16×16, 96→192 (stride 2) + 192 at 8×8; ghost module
 * 192→256; global average pool; linear.
 */
public final class GhostShuffleNetCifar {

    private GhostShuffleNetCifar() {}

    /**
     * Builds the network.
     *
     * @param classes output classes
     * @return an uninitialised block
     */
    public static Block build(int classes) {
        NamedSequentialBlock net = new NamedSequentialBlock()
                .add("conv1", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(24).optBias(false).build())
                .add("bn1", BatchNorm.builder().build())
                .add("relu1", new Relu())
                .add("ghost1", GhostModule.builder().setInChannels(24).setOutChannels(48).build());
        int in = 48;
        int[] widths = {96, 192};
        for (int s = 0; s < widths.length; s++) {
            net.add("stage" + (s + 2), new NamedSequentialBlock()
                    .add("0", ShuffleUnit.builder().setInChannels(in).setOutChannels(widths[s]).optStride(2).build())
                    .add("1", ShuffleUnit.builder().setInChannels(widths[s]).setOutChannels(widths[s]).build()));
            in = widths[s];
        }
        return net.add("ghost2", GhostModule.builder().setInChannels(in).setOutChannels(256).build())
                .add("pool", new GlobalAvgPool2d())
                .add("linear", Linear.builder().setUnits(classes).build());
    }
}
