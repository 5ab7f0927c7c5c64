package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Names the parameter-free operations hidden in DJL's {@link LambdaBlock}s and {@link ParallelBlock}
 * joins (for example {@code Activation.reluBlock()}, {@code Blocks.batchFlattenBlock()}, DJL ResNet's
 * "add, then ReLU" join) by <em>probing</em>: the block's function runs on a seeded random input and is
 * compared with each known operation. A function that matches none stays unknown, and whoever asked
 * (dependency analysis, {@link BlockSpec}) refuses the block rather than guess.
 */
public final class KnownOps {

    /** A known single-input operation and how it maps channels. */
    public enum Lambda {
        /** {@code x}. */
        IDENTITY(Blocks::identityBlock, x -> x),
        /** {@code max(x, 0)}: channel-local. */
        RELU(Activation::reluBlock, Activation::relu),
        /** Mean over the spatial axes, giving (N, C). */
        GLOBAL_AVG_POOL(Pool::globalAvgPool2dBlock, Pool::globalAvgPool2d),
        /** Maximum over the spatial axes, giving (N, C). */
        GLOBAL_MAX_POOL(Pool::globalMaxPool2dBlock, Pool::globalMaxPool2d),
        /** (N, C, H, W) to (N, C·H·W): channel c owns positions [c·H·W, (c + 1)·H·W). */
        BATCH_FLATTEN(Blocks::batchFlattenBlock, x -> x.reshape(x.getShape().get(0), -1));

        private final Supplier<Block> factory;
        private final Function<NDArray, NDArray> op;

        Lambda(Supplier<Block> factory, Function<NDArray, NDArray> op) {
            this.factory = factory;
            this.op = op;
        }

        /** @return a new DJL block computing this operation */
        public Block newBlock() {
            return factory.get();
        }
    }

    /** A known join of parallel branches. */
    public enum Join {
        /** Element-wise sum of all branches. */
        ADD(l -> sum(l)),
        /** Element-wise sum, then ReLU (DJL's ResNet units). */
        ADD_RELU(l -> Activation.relu(sum(l))),
        /** Concatenation along the channel axis 1. */
        CONCAT(l -> NDArrays.concat(new NDList(l), 1)),
        /** Element-wise product of all branches (a gate such as x · sigmoid(x)). */
        MUL(l -> {
            NDArray p = l.get(0);
            for (int i = 1; i < l.size(); i++) {
                p = p.mul(l.get(i));
            }
            return p;
        });

        private final Function<List<NDArray>, NDArray> op;

        Join(Function<List<NDArray>, NDArray> op) {
            this.op = op;
        }

        /** @return the join as a {@link ParallelBlock} function */
        public Function<List<NDList>, NDList> function() {
            return lists -> {
                List<NDArray> xs = new ArrayList<>();
                lists.forEach(l -> xs.add(l.singletonOrThrow()));
                return new NDList(op.apply(xs));
            };
        }

        private static NDArray sum(List<NDArray> xs) {
            NDArray s = xs.get(0);
            for (int i = 1; i < xs.size(); i++) {
                s = s.add(xs.get(i));
            }
            return s;
        }
    }

    private KnownOps() {}

    /**
     * Identifies a lambda block by running it on a random input of its initialised input shape.
     *
     * @param block an initialised {@link LambdaBlock}
     * @return the operation it computes, if known
     */
    public static Optional<Lambda> identify(LambdaBlock block) {
        Shape[] in = block.getInputShapes();
        if (in == null || in.length != 1) {
            return Optional.empty();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = ProbeInputs.gaussian(m, in[0], 4321);
            NDArray y = block.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            for (Lambda op : Lambda.values()) {
                if (matches(y, () -> op.op.apply(x))) {
                    return Optional.of(op);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Identifies the join of a parallel block by applying its function to random branch outputs.
     *
     * @param block an initialised {@link ParallelBlock}
     * @param branchShapes the output shape of each branch
     * @return the join, if known
     */
    public static Optional<Join> identify(ParallelBlock block, Shape[] branchShapes) {
        Function<List<NDList>, NDList> f = joinFunction(block);
        try (NDManager m = NDManager.newBaseManager()) {
            List<NDList> lists = new ArrayList<>();
            List<NDArray> xs = new ArrayList<>();
            long seed = 4321;
            for (Shape s : branchShapes) {
                NDArray x = ProbeInputs.gaussian(m, s, seed++);
                xs.add(x);
                lists.add(new NDList(x));
            }
            NDArray y;
            try {
                y = f.apply(lists).singletonOrThrow();
            } catch (RuntimeException e) {
                return Optional.empty();
            }
            for (Join j : Join.values()) {
                if (matches(y, () -> j.op.apply(xs))) {
                    return Optional.of(j);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean matches(NDArray y, Supplier<NDArray> candidate) {
        try {
            NDArray c = candidate.get();
            return c.getShape().equals(y.getShape()) && c.allClose(y, 1e-6, 1e-6, false);
        } catch (RuntimeException e) {
            return false; // the candidate does not apply to this shape
        }
    }

    @SuppressWarnings("unchecked")
    static Function<List<NDList>, NDList> joinFunction(ParallelBlock block) {
        // DJL keeps the join private; reading it is the only way to know how branches combine.
        try {
            Field f = ParallelBlock.class.getDeclaredField("function");
            f.setAccessible(true);
            return (Function<List<NDList>, NDList>) f.get(block);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read the join of a ParallelBlock in this DJL version", e);
        }
    }
}
