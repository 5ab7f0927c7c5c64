package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import com.google.common.base.Preconditions;
import java.util.Random;

/**
 * Keeps the engine's random stream the user's own. Analyses and checks run blocks on probes, and
 * transformations build new blocks whose weights are then overwritten; drawing either from the engine
 * would move (or, re-seeded, reset) the user's random stream, so they never do: probes come from a
 * private seeded generator, and copies are initialised without random draws.
 */
public final class ProbeInputs {

    private ProbeInputs() {}

    /**
     * @param manager owns the array
     * @param shape the probe's shape
     * @param seed the private generator's seed: equal seeds give equal probes
     * @return standard-normal values, float32
     */
    public static NDArray gaussian(NDManager manager, Shape shape, long seed) {
        long size = shape.size();
        Preconditions.checkArgument(size >= 0 && size <= Integer.MAX_VALUE, "probe shape %s is too large", shape);
        Random random = new Random(seed);
        float[] values = new float[(int) size];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, shape);
    }

    /**
     * Initialises a block whose parameters are about to be overwritten (a copy, a narrowed or rebuilt
     * block) without drawing from the engine's generator: weights start at zero instead of random.
     *
     * @param block the new block
     * @param manager owns its parameters
     * @param inputShape its input shape
     */
    public static void initializeForOverwrite(Block block, NDManager manager, Shape inputShape) {
        block.setInitializer(Initializer.ZEROS, p -> p.getType() == Parameter.Type.WEIGHT);
        block.initialize(manager, DataType.FLOAT32, inputShape);
    }
}
