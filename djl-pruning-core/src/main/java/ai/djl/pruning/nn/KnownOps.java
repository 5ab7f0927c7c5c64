package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
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

    /**
     * What probing found for a lambda block at one input shape: a named operation, or else an equivalent
     * named block. Kept per block (compared by identity) so that the analyses, which each ask, probe once.
     */
    private record Probed(Shape shape, Optional<Lambda> op, Optional<Block> equivalent) {}

    private static final Map<LambdaBlock, Probed> PROBED = Collections.synchronizedMap(new WeakHashMap<>());

    /** The end of every refusal of an unknown lambda: what probing tried. */
    public static final String UNKNOWN_LAMBDA = "a LambdaBlock that matches none of " + Arrays.toString(Lambda.values())
            + " nor a pooling or element-wise function (probed)";

    private KnownOps() {}

    /**
     * Finds a named block of this package that computes what a DJL {@link LambdaBlock} computes, for the
     * lambdas {@link #identify(LambdaBlock)} does not name: max and average pooling of any square kernel,
     * stride and padding ({@code Pool.maxPool2dBlock}, {@code Pool.avgPool2dBlock}), sigmoid, ReLU6 (a
     * clip to [0, 6]), hard swish and hard sigmoid ({@code Activation::sigmoid} passed to {@code
     * SequentialBlock.add}, {@code Activation.relu6Block()}) and the reshape of (N, C) to (N, C, 1, 1).
     * Found by probing: the lambda runs on a random input of its initialised shape (a private generator)
     * and each candidate whose output shape fits is compared with it. Analyses then treat the lambda as
     * that block: channel-local, with its cost, spec and ONNX form.
     *
     * @param block an initialised lambda block
     * @return the equivalent block (shared: read it, do not add it to a model), if {@link #identify} names
     *     no operation and one matches
     */
    public static Optional<Block> equivalent(LambdaBlock block) {
        return probed(block).map(Probed::equivalent).orElse(Optional.empty());
    }

    /**
     * Identifies a lambda block by running it on a random input of its initialised input shape.
     *
     * @param block an initialised {@link LambdaBlock}
     * @return the operation it computes, if known
     */
    public static Optional<Lambda> identify(LambdaBlock block) {
        return probed(block).map(Probed::op).orElse(Optional.empty());
    }

    private static Optional<Probed> probed(LambdaBlock block) {
        Shape[] in = block.getInputShapes();
        if (in == null || in.length != 1) {
            return Optional.empty();
        }
        Probed known = PROBED.get(block);
        if (known == null || !known.shape().equals(in[0])) {
            known = probe(block, in[0]);
            PROBED.put(block, known);
        }
        return Optional.of(known);
    }

    private static Probed probe(LambdaBlock block, Shape in) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = probe(m, in, 4321);
            ParameterStore store = new ParameterStore(m, false);
            NDArray y = block.forward(store, new NDList(x), false).singletonOrThrow();
            for (Lambda op : Lambda.values()) {
                if (matches(y, () -> op.op.apply(x))) {
                    return new Probed(in, Optional.of(op), Optional.empty());
                }
            }
            for (Block candidate : candidates(in, y.getShape())) {
                if (matches(y, () -> candidate.forward(store, new NDList(x), false).singletonOrThrow())) {
                    candidate.initialize(m, DataType.FLOAT32, in);
                    return new Probed(in, Optional.empty(), Optional.of(candidate));
                }
            }
        }
        return new Probed(in, Optional.empty(), Optional.empty());
    }

    /** Channel-local blocks whose output shape on {@code in} is {@code out}. */
    private static List<Block> candidates(Shape in, Shape out) {
        List<Block> list = new ArrayList<>();
        boolean sameChannels = in.dimension() >= 2 && out.dimension() >= 2 && in.get(0) == out.get(0)
                && in.get(1) == out.get(1);
        if (!sameChannels) {
            return list; // mixes or reshapes channels: nothing channel-local to offer
        }
        if (in.dimension() == 2 && out.equals(new Shape(in.get(0), in.get(1), 1, 1))) {
            list.add(new Unsqueeze2d());
        }
        if (in.equals(out)) {
            list.add(new Relu());
            list.add(Elementwise.of(Elementwise.Kind.SIGMOID));
            list.add(Elementwise.clip(0, 6));
            list.add(Elementwise.of(Elementwise.Kind.HARD_SWISH));
            list.add(Elementwise.of(Elementwise.Kind.HARD_SIGMOID));
        }
        if (in.dimension() != 4 || out.dimension() != 4) {
            return list;
        }
        for (int k = 1; k <= 7; k++) {
            for (int s = 1; s <= k; s++) {
                for (int p = 0; p <= k / 2; p++) {
                    if ((in.get(2) + 2L * p - k) / s + 1 != out.get(2) || (in.get(3) + 2L * p - k) / s + 1 != out.get(3)) {
                        continue;
                    }
                    list.add(new MaxPool2d(k, s, p));
                    list.add(new AvgPool2d(k, s, p, true));
                    if (p > 0) {
                        list.add(new AvgPool2d(k, s, p, false));
                    }
                }
            }
        }
        return list;
    }

    /**
     * Identifies the join of a parallel block by applying its function to random branch outputs.
     *
     * @param block an initialised {@link ParallelBlock}
     * @param branchShapes the output shape of each branch
     * @return the join, if known
     */
    public static Optional<Join> identify(ParallelBlock block, Shape[] branchShapes) {
        Function<List<NDList>, NDList> f = DjlInternals.parallelJoin(block);
        try (NDManager m = NDManager.newBaseManager()) {
            List<NDList> lists = new ArrayList<>();
            List<NDArray> xs = new ArrayList<>();
            long seed = 4321;
            for (Shape s : branchShapes) {
                NDArray x = probe(m, s, seed++);
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

    /**
     * A probe wide enough to tell functions apart that agree near zero: with standard-normal values ReLU and
     * ReLU6 (or a clip at ±6, a saturating sigmoid) would look the same, so the values have a spread of 8.
     */
    private static NDArray probe(NDManager m, Shape shape, long seed) {
        return ProbeInputs.gaussian(m, shape, seed).muli(8);
    }

    private static boolean matches(NDArray y, Supplier<NDArray> candidate) {
        try {
            NDArray c = candidate.get();
            return c.getShape().equals(y.getShape()) && c.allClose(y, 1e-6, 1e-6, false);
        } catch (RuntimeException e) {
            return false; // the candidate does not apply to this shape
        }
    }
}
