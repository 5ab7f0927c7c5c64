package ai.djl.pruning.engine;

import static org.testng.Assert.assertEquals;

import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelSorter;
import java.util.Arrays;
import org.testng.annotations.Test;

/**
 * Library calls leave the engine's random stream where the user left it: profiling, pruning, sorting and
 * timing a DJL model (ParallelBlock joins and LambdaBlocks, probed) neither re-seed nor draw from it.
 */
public class RandomStreamTest {

    @Test
    public void profilingPruningSortingAndTimingDrawNothingFromTheEngine() {
        Shape in = new Shape(2, 3, 16, 16);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ResNetV1.builder().setImageShape(new Shape(3, 16, 16)).setNumLayers(20).setOutSize(10).build();
            net.initialize(manager, DataType.FLOAT32, in);

            Engine.getInstance().setRandomSeed(77);
            float[] expected = manager.randomUniform(0, 1, new Shape(16)).toFloatArray();

            Engine.getInstance().setRandomSeed(77);
            ModelProfile.of(net, in, MacConvention.CONV_LINEAR);
            ChannelPruner pruner = ChannelPruner.builder().build();
            Block pruned = pruner.apply(net, pruner.plan(net, in, 0.5), manager);
            ChannelSorter.builder().build().sort(net, in, manager);
            LatencyBenchmark.builder().optWarmup(1).optRepetitions(1).build().run(pruned, new Shape(3, 16, 16));
            float[] actual = manager.randomUniform(0, 1, new Shape(16)).toFloatArray();

            assertEquals(Arrays.toString(actual), Arrays.toString(expected));
        }
    }
}
