package ai.djl.pruning.nn;

import ai.djl.ndarray.NDList;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import java.lang.reflect.Field;
import java.util.List;
import java.util.function.Function;

/**
 * The DJL block options that DJL 0.35 keeps private, read in one place: without them a rebuilt
 * BatchNorm would silently take the default ε and momentum, a rebuilt Dropout the default rate, and a
 * ParallelBlock's join could not be identified. A DJL version that renames a field fails here, by name.
 */
public final class DjlInternals {

    private DjlInternals() {}

    /**
     * @param block a BatchNorm
     * @return its ε
     */
    public static float batchNormEpsilon(BatchNorm block) {
        return (Float) read(BatchNorm.class, "epsilon", block);
    }

    /**
     * @param block a BatchNorm
     * @return its running-statistics momentum
     */
    public static float batchNormMomentum(BatchNorm block) {
        return (Float) read(BatchNorm.class, "momentum", block);
    }

    /**
     * @param block a BatchNorm
     * @return the axis it normalises over (1: channels of NCHW)
     */
    public static int batchNormAxis(BatchNorm block) {
        return (Integer) read(BatchNorm.class, "axis", block);
    }

    /**
     * @param block a Dropout
     * @return its drop rate
     */
    public static float dropoutRate(Dropout block) {
        return (Float) read(Dropout.class, "rate", block);
    }

    /**
     * @param block a ParallelBlock
     * @return the function joining its branches' outputs
     */
    @SuppressWarnings("unchecked")
    public static Function<List<NDList>, NDList> parallelJoin(ParallelBlock block) {
        return (Function<List<NDList>, NDList>) read(ParallelBlock.class, "function", block);
    }

    private static Object read(Class<?> owner, String name, Object instance) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(instance);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + owner.getSimpleName() + "." + name
                    + " in this DJL version", e);
        }
    }
}
