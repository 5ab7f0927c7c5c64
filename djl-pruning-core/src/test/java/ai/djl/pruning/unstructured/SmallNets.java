package ai.djl.pruning.unstructured;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small blocks and helpers for the fine-grained pruning tests. */
final class SmallNets {

    private SmallNets() {}

    /** conv(3→8, 3×3) - BN - ReLU - conv(8→8, 3×3) - BN - ReLU - mean - fc(8→4). */
    static Block convNet(NDManager manager) {
        Block net = new NamedSequentialBlock()
                .add("conv1", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
                .add("bn1", BatchNorm.builder().build())
                .add("relu1", new Relu())
                .add("conv2", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
                .add("bn2", BatchNorm.builder().build())
                .add("relu2", new Relu())
                .add("pool", new GlobalAvgPool2d())
                .add("fc", Linear.builder().setUnits(4).build());
        net.initialize(manager, DataType.FLOAT32, new Shape(4, 3, 6, 6));
        return net;
    }



    static void setWeight(Block block, String path, float[] values) {
        NDArray a = PrunableParameters.require(block, path).getArray();
        a.set(new NDIndex("..."), a.getManager().create(values, a.getShape()));
    }
}
