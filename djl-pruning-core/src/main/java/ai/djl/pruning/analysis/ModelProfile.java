package ai.djl.pruning.analysis;

import ai.djl.pruning.nn.BlockHandlers;
import ai.djl.pruning.nn.BlockPaths;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Per-layer cost of a DJL block for one input shape: output shape, parameters, nonzero parameters,
 * sparsity, MACs (dense and effective), memory accesses; and totals.
 *
 * <p>Conventions:
 *
 * <ul>
 *   <li>Parameters are the trainable ones, as PyTorch's {@code parameters()}: BatchNorm's running
 *       statistics are buffers and are not counted.
 *   <li>MACs follow the chosen {@link MacConvention}, for the whole input batch (profile with batch 1
 *       for per-image figures). A convolution costs {@code |output|/C_out · |W|} =
 *       {@code H_out·W_out·k²·C_in/g·C_out} per image, whatever its stride, padding, dilation or
 *       groups; a fully connected layer {@code |output|/out · |W|}.
 *   <li>Effective MACs of a layer with a sparse weight: dense MACs × nnz(W)/|W|, rounded.
 *   <li>Memory accesses (the efficient-CNN course's convention): a convolution or fully connected
 *       layer reads an input and a weight per MAC and writes each output once, {@code 2·MACs +
 *       |output|} (regular 3×3 conv: {@code 2HWk²C² + HWC}); any other layer reads its inputs and
 *       writes its outputs once, {@code |input| + |output|}.
 *   <li>Size in bytes at a bit width: parameters × bits / 8, dense or counting nonzeros only (Lab 1's
 *       {@code get_model_size(count_nonzero_only=True)}).
 *   <li>Operations by kind ({@link OperationCounts}: multiplications, additions, subtractions,
 *       absolute values) for convolution, fully connected and AdderNet layers, dense: a convolution's
 *       output value costs {@code k²C_in} multiplications and {@code k²C_in − 1} additions (+1 for a
 *       bias); an AdderNet one none, and {@code k²C_in} subtractions and absolute values and
 *       {@code k²C_in − 1} additions. See {@link #operations()} and {@link #toOperationTable()}; the
 *       MAC figures are unchanged by them (an AdderNet layer reports 0 MACs: it multiplies nothing).
 * </ul>
 *
 * <p>Each block is costed by the {@link CostHandler} {@code BlockHandlers} finds for it: built-ins for
 * DJL's {@code Conv1d/2d/3d} (any {@code Convolution}), {@code Linear}, {@code BatchNorm}, {@code
 * Dropout}, sequences; the project's {@code nn} blocks; DJL {@code LambdaBlock}s and {@code ParallelBlock}
 * joins that probing identifies (an add or multiply join costs one MAC per output element under {@link
 * MacConvention#TORCHPROFILE}, a concatenation none); any block implementing {@link CostDescribed}; a
 * user's layer through its registered handler. Any other block (an unrecognised lambda or join, a
 * custom container) is listed with {@code known = false} and counted as zero: check {@link
 * #unknownLayers()} (or {@link #macsKnown()}) before trusting totals. A {@code SymbolBlock} (a
 * TorchScript module loaded by {@code TorchScriptModels}, an ONNX graph) is one opaque row: its
 * parameters are counted, its MACs and memory accesses are unknown and the table says so.
 *
 * <pre>{@code
 * ModelProfile p = ModelProfile.of(net, new Shape(1, 3, 32, 32), MacConvention.CONV_LINEAR);
 * System.out.println(p.toTable());
 * }</pre>
 */
public final class ModelProfile {

    // serializeNulls: an unknown block's MACs are written as null, not left out.
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

    private final Shape inputShape;
    private final MacConvention convention;
    private final ImmutableList<LayerProfile> layers;

    private ModelProfile(Shape inputShape, MacConvention convention, List<LayerProfile> layers) {
        this.inputShape = inputShape;
        this.convention = convention;
        this.layers = ImmutableList.copyOf(layers);
    }

    /**
     * Profiles an initialised block.
     *
     * @param block the block (its parameters must be initialised)
     * @param inputShape the input shape, batch included
     * @param convention which operations count as MACs
     * @return the profile
     */
    public static ModelProfile of(Block block, Shape inputShape, MacConvention convention) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block before profiling it");
        Preconditions.checkNotNull(convention, "convention");
        Walker walker = new Walker(convention);
        walker.walk(block, "", new Shape[] {inputShape});
        return new ModelProfile(inputShape, convention, walker.rows);
    }

    /** @return the input shape profiled */
    public Shape inputShape() {
        return inputShape;
    }

    /** @return the MAC convention used */
    public MacConvention convention() {
        return convention;
    }

    /** @return every costed block in execution order */
    public List<LayerProfile> layers() {
        return layers;
    }

    /** @return blocks the profiler could not cost (counted as zero in the totals) */
    public List<LayerProfile> unknownLayers() {
        return layers.stream().filter(l -> !l.known()).collect(ImmutableList.toImmutableList());
    }

    /** @return total trainable parameters */
    public long params() {
        return layers.stream().mapToLong(LayerProfile::params).sum();
    }

    /** @return total nonzero trainable parameters */
    public long nonzeroParams() {
        return layers.stream().mapToLong(LayerProfile::nonzeroParams).sum();
    }

    /**
     * Tells whether every block's MACs are known. When false, {@link #macs()}, {@link #effectiveMacs()}
     * and {@link #memoryAccesses()} count the {@link #unknownLayers()} as zero: they are lower bounds.
     *
     * @return true if no block is of unknown cost
     */
    public boolean macsKnown() {
        return unknownLayers().isEmpty();
    }

    /** @return total dense MACs (a lower bound unless {@link #macsKnown()}) */
    public long macs() {
        return layers.stream().mapToLong(LayerProfile::macs).sum();
    }

    /** @return total effective MACs (sparse layers scaled by their weight density) */
    public long effectiveMacs() {
        return layers.stream().mapToLong(LayerProfile::effectiveMacs).sum();
    }

    /**
     * Returns the operations by kind summed over the layers that count them (convolution, fully
     * connected, AdderNet; see {@link OperationCounts}).
     *
     * @return the total
     */
    public OperationCounts operations() {
        return layers.stream().map(LayerProfile::operations).filter(java.util.Objects::nonNull)
                .reduce(OperationCounts.ZERO, OperationCounts::plus);
    }

    /**
     * Returns the layers that count operations by kind, with totals, as fixed-width text.
     *
     * @return the table
     */
    public String toOperationTable() {
        StringBuilder sb = new StringBuilder();
        String format = "%-44s %-16s %16s %16s %16s %16s%n";
        sb.append(String.format(Locale.ROOT, format, "layer", "type", "multiplications", "additions",
                "subtractions", "abs values"));
        for (LayerProfile l : layers) {
            OperationCounts o = l.operations();
            if (o != null) {
                sb.append(String.format(Locale.ROOT, format, l.path(), l.type(), n(o.multiplications()),
                        n(o.additions()), n(o.subtractions()), n(o.absoluteValues())));
            }
        }
        OperationCounts t = operations();
        sb.append(String.format(Locale.ROOT, format, "TOTAL", "", n(t.multiplications()), n(t.additions()),
                n(t.subtractions()), n(t.absoluteValues())));
        return sb.toString();
    }

    /** @return total memory accesses */
    public long memoryAccesses() {
        return layers.stream().mapToLong(LayerProfile::memoryAccesses).sum();
    }

    /** @return fraction of zero parameters over the whole model */
    public double sparsity() {
        long p = params();
        return p == 0 ? 0 : 1.0 - (double) nonzeroParams() / p;
    }

    /**
     * Returns the model size with every parameter stored.
     *
     * @param bitWidth bits per parameter (32 for float32)
     * @return bytes
     */
    public long sizeBytes(int bitWidth) {
        return bytes(params(), bitWidth);
    }

    /**
     * Returns the model size counting only nonzero parameters.
     *
     * @param bitWidth bits per parameter
     * @return bytes
     */
    public long nonzeroSizeBytes(int bitWidth) {
        return bytes(nonzeroParams(), bitWidth);
    }

    private static long bytes(long count, int bitWidth) {
        Preconditions.checkArgument(bitWidth > 0, "bit width must be positive, got %s", bitWidth);
        return (count * bitWidth + 7) / 8;
    }

    /** @return the per-layer table with totals, as fixed-width text */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        String format = "%-44s %-20s %-18s %12s %12s %8s %15s %15s %15s%n";
        sb.append(String.format(Locale.ROOT, format, "layer", "type", "output", "params", "nonzero", "sparsity",
                "MACs", "effective MACs", "memory acc."));
        for (LayerProfile l : layers) {
            // An opaque block's cost is printed as unknown, not as a 0 that reads like a measurement.
            sb.append(String.format(Locale.ROOT, format, l.path(), l.known() ? l.type() : l.type() + " (UNKNOWN)",
                    l.outputShape(), n(l.params()), n(l.nonzeroParams()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * l.sparsity()), cost(l.macs(), l.known()),
                    cost(l.effectiveMacs(), l.known()), cost(l.memoryAccesses(), l.known())));
        }
        String bound = macsKnown() ? "" : ">= ";
        sb.append(String.format(Locale.ROOT, format, "TOTAL", convention.name().toLowerCase(Locale.ROOT),
                inputShape + "→", n(params()), n(nonzeroParams()),
                String.format(Locale.ROOT, "%.1f%%", 100 * sparsity()), bound + n(macs()),
                bound + n(effectiveMacs()), bound + n(memoryAccesses())));
        sb.append(String.format(Locale.ROOT, "size: %s bytes dense (fp32), %s bytes counting nonzeros%n",
                n(sizeBytes(32)), n(nonzeroSizeBytes(32))));
        if (!macsKnown()) {
            sb.append("WARNING: ").append(unknownLayers().size())
                    .append(" block(s) of unknown cost: their MACs and memory accesses are unknown; the totals"
                            + " count them as zero (lower bounds)\n");
        }
        return sb.toString();
    }

    /** @return the profile as JSON (layers and totals) */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("inputShape", inputShape.toString());
        o.addProperty("convention", convention.name());
        JsonArray rows = new JsonArray();
        for (LayerProfile l : layers) {
            JsonObject r = GSON.toJsonTree(l).getAsJsonObject();
            if (!l.known()) {
                r.add("macs", JsonNull.INSTANCE);
                r.add("effectiveMacs", JsonNull.INSTANCE);
                r.add("memoryAccesses", JsonNull.INSTANCE);
            }
            r.addProperty("outputShape", l.outputShape().toString());
            r.addProperty("sparsity", l.sparsity());
            rows.add(r);
        }
        o.add("layers", rows);
        JsonObject totals = new JsonObject();
        totals.addProperty("params", params());
        totals.addProperty("nonzeroParams", nonzeroParams());
        totals.addProperty("macs", macs());
        totals.addProperty("effectiveMacs", effectiveMacs());
        totals.addProperty("memoryAccesses", memoryAccesses());
        totals.add("operations", GSON.toJsonTree(operations()));
        totals.addProperty("sizeBytesFp32", sizeBytes(32));
        totals.addProperty("nonzeroSizeBytesFp32", nonzeroSizeBytes(32));
        totals.addProperty("unknownLayers", unknownLayers().size());
        totals.addProperty("macsKnown", macsKnown());
        o.add("totals", totals);
        return GSON.toJson(o);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ModelProfile(%s, %s: params %s, MACs %s, %d layers)", inputShape,
                convention, n(params()), n(macs()), layers.size());
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    private static String cost(long v, boolean known) {
        return known ? n(v) : "unknown";
    }

    /** Walks a block tree, propagating shapes and adding a row per costed block. */
    private static final class Walker {
        private final MacConvention convention;
        private final List<LayerProfile> rows = new ArrayList<>();

        Walker(MacConvention convention) {
            this.convention = convention;
        }

        @SuppressWarnings("unchecked")
        Shape[] walk(Block block, String path, Shape[] in) {
            At at = new At(block, path, in);
            Optional<CostHandler> h = BlockHandlers.find(block, CostHandler.class);
            if (h.isEmpty()) {
                return at.unknown(block.getClass().getSimpleName(), false); // nobody described it: opaque
            }
            return ((CostHandler<Block>) h.get()).profile(block, at);
        }

        /** The walk standing at one block. */
        private final class At implements ProfileWalk {
            private final Block block;
            private final String path;
            private final Shape[] in;

            At(Block block, String path, Shape[] in) {
                this.block = block;
                this.path = path;
                this.in = in;
            }

            @Override
            public String path() {
                return path;
            }

            @Override
            public Shape[] inputShapes() {
                return in;
            }

            @Override
            public Shape[] outputShapes() {
                return block.getOutputShapes(in);
            }

            @Override
            public MacConvention convention() {
                return convention;
            }

            @Override
            public Shape[] leaf(String type, LayerCost cost) {
                Shape[] out = outputShapes();
                add(block, path, type, out, cost.macs(), cost.memoryAccesses(), true, false, cost.operations());
                return out;
            }

            @Override
            public Shape[] unknown(String type, boolean countFrozen) {
                Shape[] out = outputShapes();
                add(block, path, type, out, 0, 0, false, countFrozen, null);
                return out;
            }

            @Override
            public void extra(String name, String type, Shape out, LayerCost cost) {
                long macs = cost == null ? 0 : cost.macs();
                addRow(BlockPaths.join(path, name), type, out, 0, 0, macs, macs, cost == null ? 0 : cost.memoryAccesses(),
                        cost != null, null);
            }

            @Override
            public Shape[] child(String key, Block child, Shape[] childIn) {
                return walk(child, BlockPaths.join(path, key), childIn);
            }

            @Override
            public Shape[] as(Block same) {
                return walk(same, path, in);
            }
        }

        private void add(Block block, String path, String type, Shape[] out, long macs, long memory, boolean known,
                boolean countFrozen, OperationCounts operations) {
            long params = 0;
            long nonzero = 0;
            for (Pair<String, Parameter> p : block.getDirectParameters()) {
                if (countFrozen || p.getValue().requiresGradient()) {
                    NDArray a = p.getValue().getArray();
                    params += a.size();
                    nonzero += nonzero(a);
                }
            }
            long effective = macs;
            NDArray w = weightOrNull(block);
            if (w != null && w.size() > 0) {
                effective = Math.round(macs * ((double) nonzero(w) / w.size()));
            }
            addRow(path.isEmpty() ? "(root)" : path, type, out[0], params, nonzero, macs, effective, memory, known,
                    operations);
        }

        private void addRow(String path, String type, Shape out, long params, long nonzero, long macs,
                long effective, long memory, boolean known, OperationCounts operations) {
            rows.add(new LayerProfile(path, type, out, params, nonzero, macs, effective, memory, known, operations));
        }

        private static NDArray weightOrNull(Block block) {
            for (Pair<String, Parameter> p : block.getDirectParameters()) {
                if (p.getValue().getType() == Parameter.Type.WEIGHT) {
                    return p.getValue().getArray();
                }
            }
            return null;
        }

        private static long nonzero(NDArray a) {
            try (NDArray nz = a.countNonzero()) {
                return nz.getLong();
            }
        }
    }
}
