package ai.djl.pruning.io;

import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Copies a PyTorch state dict into an initialised DJL block, checking every name and shape first.
 *
 * <p>All problems (missing, unexpected and mis-shaped tensors) are collected and reported in one
 * {@link CheckpointException}; the block's parameters are written only when there is none, so a
 * failed load leaves them bit-identical. (DJL's own {@code loadParameters} accepts arrays of the wrong
 * shape silently.)
 *
 * <pre>{@code
 * Block net = ...; net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
 * StateDictLoader.builder().build().load(Paths.get("resnet20.th"), net);
 * }</pre>
 */
public final class StateDictLoader {

    private final String stripPrefix;
    private final Predicate<String> ignored;
    private final Function<Block, ? extends Map<String, String>> naming;

    private StateDictLoader(Builder builder) {
        this.stripPrefix = builder.stripPrefix;
        this.ignored = builder.ignored;
        this.naming = builder.naming;
    }

    /** @return a builder with PyTorch defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a {@code torch.save} file and loads its state dict into the block.
     *
     * @param checkpoint the file
     * @param block an initialised block
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the file is not a checkpoint or does not fit the block
     */
    public void load(Path checkpoint, Block block) throws IOException, CheckpointException {
        load(TorchCheckpoint.readStateDict(checkpoint), block);
    }

    /**
     * Loads a state dict into the block.
     *
     * @param stateDict the tensors
     * @param block an initialised block
     * @throws CheckpointException if any tensor is missing, unexpected or of the wrong shape or type;
     *     the block is then unchanged
     */
    public void load(StateDict stateDict, Block block) throws CheckpointException {
        Preconditions.checkState(
                block.isInitialized(), "initialise the block (block.initialize) before loading weights");
        StateDict source = stripPrefix.isEmpty() ? stateDict : stateDict.stripPrefix(stripPrefix);
        Map<String, String> names = naming.apply(block);
        List<String> problems = new ArrayList<>();
        Map<Parameter, TensorData> plan = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            String torchName = names.get(p.getKey());
            Parameter parameter = p.getValue();
            Shape expected = parameter.getArray().getShape();
            TensorData tensor = torchName == null ? null : source.get(torchName);
            if (torchName == null) {
                problems.add("no PyTorch name for DJL parameter " + p.getKey());
            } else if (tensor == null) {
                problems.add(String.format("missing key %s (DJL parameter %s, shape %s)", torchName, p.getKey(), expected));
            } else {
                used.add(torchName);
                if (!tensor.getShape().equals(expected)) {
                    problems.add(String.format(
                            "shape mismatch for %s: checkpoint has %s, block expects %s",
                            torchName, tensor.getShape(), expected));
                } else if (!convertible(tensor.getDataType(), parameter.getArray().getDataType())) {
                    problems.add(String.format(
                            "type mismatch for %s: checkpoint has %s, block expects %s",
                            torchName, tensor.getDataType(), parameter.getArray().getDataType()));
                } else {
                    plan.put(parameter, tensor);
                }
            }
        }
        for (Map.Entry<String, TensorData> e : source.tensors().entrySet()) {
            if (!used.contains(e.getKey()) && !ignored.test(e.getKey())) {
                problems.add(String.format("unexpected key %s (shape %s)", e.getKey(), e.getValue().getShape()));
            }
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException(
                    String.format("%s does not fit the block (%d problem%s); no parameter was changed",
                            stateDict.getSource(), problems.size(), problems.size() == 1 ? "" : "s"),
                    problems);
        }
        if (plan.isEmpty()) {
            return;
        }
        NDManager anyManager = plan.keySet().iterator().next().getArray().getManager();
        try (NDManager scratch = anyManager.newSubManager()) {
            List<NDArray> values = new ArrayList<>(plan.size());
            for (Map.Entry<Parameter, TensorData> e : plan.entrySet()) {
                NDArray value = e.getValue().toNDArray(scratch);
                DataType target = e.getKey().getArray().getDataType();
                values.add(value.getDataType() == target ? value : value.toType(target, false));
            }
            // Everything is converted before the first write: a failure above changes nothing.
            int i = 0;
            for (Parameter parameter : plan.keySet()) {
                ParameterWrites.set(parameter.getArray(), new NDIndex("..."), values.get(i++));
            }
        }
    }

    private static boolean convertible(DataType from, DataType to) {
        return from == to || (from.isFloating() && to.isFloating());
    }

    /** Options of a {@link StateDictLoader}. */
    public static final class Builder {
        private String stripPrefix = "module.";
        private Predicate<String> ignored = Pattern.compile("(^|\\.)num_batches_tracked$").asPredicate();
        private Function<Block, ? extends Map<String, String>> naming = TorchParameterNames::of;

        private Builder() {}

        /**
         * Sets the prefix removed from checkpoint names; default {@code module.} (DataParallel).
         *
         * @param prefix the prefix, or "" for none
         * @return this builder
         */
        public Builder optStripPrefix(String prefix) {
            this.stripPrefix = Preconditions.checkNotNull(prefix, "prefix");
            return this;
        }

        /**
         * Sets which checkpoint names may be left unused; default BatchNorm's {@code
         * num_batches_tracked}.
         *
         * @param ignored true for names that need no DJL parameter
         * @return this builder
         */
        public Builder optIgnored(Predicate<String> ignored) {
            this.ignored = Preconditions.checkNotNull(ignored, "ignored");
            return this;
        }

        /**
         * Sets how DJL parameter paths map to checkpoint names; default {@link
         * TorchParameterNames#of(Block)}.
         *
         * @param naming block to (DJL path to checkpoint name)
         * @return this builder
         */
        public Builder optNaming(Function<Block, ? extends Map<String, String>> naming) {
            this.naming = Preconditions.checkNotNull(naming, "naming");
            return this;
        }

        /** @return the loader */
        public StateDictLoader build() {
            return new StateDictLoader(this);
        }
    }
}
