package ai.djl.pruning.io;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.TestResources;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/** Test fixtures from src-test-resources (written by generate_fixtures.py). */
final class Fixtures {

    private Fixtures() {}

    static Path resource(String name) {
        return TestResources.path(name);
    }

    static JsonObject reference() {
        return TestResources.json("checkpoints/tiny_reference.json");
    }

    static float[] floats(JsonObject o, String key) {
        return TestResources.floats(o, key);
    }

    /** The generator's TinyNet: conv(3→4, 3×3, pad 1, no bias), BN, ReLU, global mean, Linear 4→2. */
    static Block tinyNet(int convFilters) {
        return new NamedSequentialBlock()
                .add("conv", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(convFilters).optBias(false).build())
                .add("bn", BatchNorm.builder().build())
                .add("relu", new Relu())
                .add("pool", new GlobalAvgPool2d())
                .add("fc", Linear.builder().setUnits(2).build());
    }

    static Block initialisedTinyNet(NDManager manager, int convFilters) {
        Block net = tinyNet(convFilters);
        net.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 5, 5));
        return net;
    }

}
