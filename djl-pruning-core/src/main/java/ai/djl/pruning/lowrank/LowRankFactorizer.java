package ai.djl.pruning.lowrank;

import ai.djl.pruning.nn.ProbeInputs;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.analysis.LayerProfile;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.nn.BlockPaths;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * SVD factorisation of Conv2d and Linear layers into two thinner layers.
 *
 * <p>A weight reshaped to {@code M = W.reshape(N, C·k·k)} (or a Linear's {@code out × in}) is
 * truncated to its r largest singular values, {@code M ≈ U_r Σ_r V_rᵀ}, and split symmetrically:
 *
 * <ul>
 *   <li>Conv2d k×k C→N (groups 1) → {@code v}: k×k conv C→r, same stride/padding/dilation, weight
 *       {@code Σ_r^½ V_rᵀ}, no bias; then {@code u}: 1×1 conv r→N, weight {@code U_r Σ_r^½}, the
 *       original bias;
 *   <li>Linear in→N → {@code v}: Linear in→r, no bias; then {@code u}: Linear r→N with the bias.
 * </ul>
 *
 * The two factors replace the layer as a {@code NamedSequentialBlock} ({@code <path>_01v},
 * {@code <path>_02u}); per image a factorised conv costs {@code H_out·W_out·r·(C·k² + N)} MACs instead
 * of {@code H_out·W_out·N·C·k²}, and {@code r·(C·k² + N)} weights instead of {@code N·C·k²}, so it pays
 * only for {@code r < N·C·k²/(C·k² + N)}. The SVD is computed in double precision by Apache Commons Math
 * (DJL 0.35.1's NDArray has no SVD).
 *
 * <pre>{@code
 * LowRankFactorizer f = LowRankFactorizer.builder().optLayers("layer[23]").build();
 * LowRankPlan plan = f.plan(net, new Shape(1, 3, 32, 32), RankSelection.macBudget(0.6));
 * System.out.println(plan.toTable());
 * Block smaller = f.apply(net, plan, new Shape(1, 3, 32, 32), manager); // net is not changed
 * }</pre>
 */
public final class LowRankFactorizer {

    private final Pattern layers;

    private LowRankFactorizer(Builder b) {
        this.layers = b.layers;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** A candidate layer with its weight's singular values. */
    private record Candidate(String path, Block block, LayerProfile row, long rows, long columns, boolean bias,
            double[] sigma) {

        boolean isConv() {
            return block instanceof Conv2d;
        }

        /** Output positions per output channel: MACs / (N·columns). */
        long positions() {
            return row.macs() / (rows * columns);
        }

        long paramsAfter(int r) {
            return r * columns + rows * r + (bias ? rows : 0);
        }

        long macsAfter(int r) {
            return positions() * r * (columns + rows);
        }

        int rankForEnergy(double e) {
            double total = 0;
            for (double s : sigma) {
                total += s * s;
            }
            double kept = 0;
            for (int r = 1; r <= sigma.length; r++) {
                kept += sigma[r - 1] * sigma[r - 1];
                if (kept >= e * total * (1 - 1e-12)) {
                    return r;
                }
            }
            return sigma.length;
        }

        double error(int r) {
            double total = 0;
            double dropped = 0;
            for (int i = 0; i < sigma.length; i++) {
                total += sigma[i] * sigma[i];
                if (i >= r) {
                    dropped += sigma[i] * sigma[i];
                }
            }
            return total == 0 ? 0 : Math.sqrt(dropped / total);
        }

        LayerFactorisation entry(int r, boolean factorise) {
            long before = row.params();
            return factorise
                    ? new LayerFactorisation(path, isConv() ? "Conv2d" : "Linear", rows, columns, r, true, error(r),
                            before, paramsAfter(r), row.macs(), macsAfter(r))
                    : new LayerFactorisation(path, isConv() ? "Conv2d" : "Linear", rows, columns,
                            (int) Math.min(rows, columns), false, 0, before, before, row.macs(), row.macs());
        }

        /** Energy selection: factorise only where the factors have fewer parameters. */
        LayerFactorisation atEnergy(double e) {
            int r = rankForEnergy(e);
            return entry(r, paramsAfter(r) < row.params());
        }
    }

    /**
     * Returns the singular values (descending) of every candidate layer's reshaped weight.
     *
     * @param block an initialised block
     * @param inputShape an input shape (for the profile)
     * @return layer path → singular values
     */
    public Map<String, double[]> singularValues(Block block, Shape inputShape) {
        Map<String, double[]> out = new LinkedHashMap<>();
        candidates(block, inputShape).forEach(c -> out.put(c.path(), c.sigma().clone()));
        return out;
    }

    /**
     * Chooses each candidate layer's rank.
     *
     * @param block an initialised block (not changed)
     * @param inputShape the input shape costs are counted for (batch 1 for per-image MACs)
     * @param selection how ranks are chosen
     * @return the plan
     * @throws IllegalArgumentException for a per-layer rank naming no candidate layer or out of range, or
     *     a budget that even rank 1 everywhere cannot meet
     */
    public LowRankPlan plan(Block block, Shape inputShape, RankSelection selection) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block before planning");
        ModelProfile profile = ModelProfile.of(block, inputShape, MacConvention.CONV_LINEAR);
        List<Candidate> candidates = candidates(block, inputShape);
        Preconditions.checkArgument(!candidates.isEmpty(), "no Conv2d (groups 1) or Linear layer%s to factorise",
                layers == null ? "" : " matches '" + layers + "'");
        List<LayerFactorisation> entries = new ArrayList<>();
        switch (selection.kind()) {
            case PER_LAYER -> {
                Set<String> known = new HashSet<>();
                for (Candidate c : candidates) {
                    known.add(c.path());
                    Integer r = selection.ranks().get(c.path());
                    if (r != null) {
                        Preconditions.checkArgument(r <= c.sigma().length, "rank %s of %s exceeds its full rank %s", r,
                                c.path(), c.sigma().length);
                    }
                    entries.add(c.entry(r == null ? c.sigma().length : r, r != null));
                }
                for (String p : selection.ranks().keySet()) {
                    Preconditions.checkArgument(known.contains(p), "'%s' is not a Conv2d/Linear layer of the block; "
                            + "layers: %s", p, known);
                }
            }
            case ENERGY -> candidates.forEach(c -> entries.add(c.atEnergy(selection.value())));
            case PARAM_BUDGET, MAC_BUDGET -> {
                boolean params = selection.kind() == RankSelection.Kind.PARAM_BUDGET;
                long total = params ? profile.params() : profile.macs();
                double target = selection.value() * total;
                // Model cost is monotone in the common energy threshold: bisect for the largest that fits.
                double lo = 0;
                double hi = 1;
                Preconditions.checkArgument(cost(candidates, lo, total, params) <= target,
                        "the %s budget %.4f cannot be met: rank 1 in every layer leaves %.4f of the model",
                        params ? "parameter" : "MAC", selection.value(), cost(candidates, lo, total, params) / total);
                if (cost(candidates, hi, total, params) <= target) {
                    lo = hi;
                }
                for (int i = 0; i < 60 && lo < hi; i++) {
                    double mid = (lo + hi) / 2;
                    if (cost(candidates, mid, total, params) <= target) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                double e = lo;
                candidates.forEach(c -> entries.add(c.atEnergy(Math.max(e, Double.MIN_NORMAL))));
            }
            default -> throw new IllegalStateException(selection.kind().name());
        }
        return new LowRankPlan(selection, entries, profile.params(), profile.macs());
    }

    private static double cost(List<Candidate> candidates, double energy, long total, boolean params) {
        double cost = total;
        for (Candidate c : candidates) {
            LayerFactorisation f = c.atEnergy(Math.max(energy, Double.MIN_NORMAL));
            cost -= params ? f.paramsBefore() - f.paramsAfter() : f.macsBefore() - f.macsAfter();
        }
        return cost;
    }

    /**
     * Builds a new block in which every factorised layer of the plan is replaced by its two factors; all
     * other parameters (BatchNorm running statistics included) are copied. The original is not changed.
     *
     * @param block the block the plan was made for
     * @param plan the plan
     * @param inputShape an input shape to initialise the new block with
     * @param manager owns the new block's parameters
     * @return the new block
     * @throws IllegalArgumentException if the plan names a layer the block does not have or of another shape
     */
    public Block apply(Block block, LowRankPlan plan, Shape inputShape, NDManager manager) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block before factorising it");
        Map<String, Block> byPath = new HashMap<>();
        collect(block, "", byPath);
        Map<String, LayerFactorisation> todo = new LinkedHashMap<>();
        for (LayerFactorisation f : plan.factorised()) {
            Block layer = byPath.get(f.path());
            Preconditions.checkArgument(layer instanceof Conv2d || layer instanceof Linear,
                    "plan names %s, which is not a Conv2d/Linear layer of this block", f.path());
            long[] dims = weight(layer).getShape().getShape();
            Preconditions.checkArgument(dims[0] == f.rows() && weight(layer).size() / dims[0] == f.columns(),
                    "%s has a %s weight; the plan was made for %dx%d", f.path(), weight(layer).getShape(), f.rows(),
                    f.columns());
            todo.put(f.path(), f);
        }
        JsonObject spec = BlockSpec.describe(block);
        if (todo.containsKey("")) {
            spec = factorSpec(spec, todo.get("").rank(), block);
        } else {
            replace(block, spec, "", todo);
        }
        Block copy = BlockSpec.build(spec);
        ProbeInputs.initializeForOverwrite(copy, manager, inputShape);

        Map<String, NDArray> source = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            source.put(p.getKey(), p.getValue().getArray());
        }
        Map<String, float[]> factors = new HashMap<>();
        for (LayerFactorisation f : todo.values()) {
            factors.putAll(factorWeights(f, weight(byPath.get(f.path()))));
        }
        for (Pair<String, Parameter> p : copy.getParameters()) {
            NDArray dst = p.getValue().getArray();
            String name = p.getKey();
            if (factors.containsKey(name)) {
                try (NDArray v = manager.create(factors.get(name), dst.getShape())) {
                    ParameterWrites.set(dst, new NDIndex("..."), v);
                }
                continue;
            }
            String original = name;
            for (String path : todo.keySet()) {
                String biasName = BlockPaths.join(BlockPaths.join(path, "02u"), "bias");
                if (name.equals(biasName)) {
                    original = BlockPaths.join(path, "bias");
                }
            }
            NDArray src = source.get(original);
            Preconditions.checkState(src != null && src.getShape().equals(dst.getShape()),
                    "factorised block's %s %s has no counterpart in the original", name, dst.getShape());
            ParameterWrites.set(dst, new NDIndex("..."), src);
        }
        return copy;
    }

    /** Replaces, in a spec made from {@code block}, the children whose paths the plan factorises. */
    private static void replace(Block block, JsonObject spec, String path, Map<String, LayerFactorisation> todo) {
        if (!spec.has("children")) {
            return;
        }
        JsonArray children = spec.getAsJsonArray("children");
        List<Pair<String, Block>> blocks = block.getChildren().stream().toList();
        for (int i = 0; i < blocks.size(); i++) {
            String childPath = BlockPaths.join(path, blocks.get(i).getKey());
            JsonObject child = children.get(i).getAsJsonObject();
            LayerFactorisation f = todo.get(childPath);
            if (f != null) {
                child.add("block", factorSpec(child.getAsJsonObject("block"), f.rank(), blocks.get(i).getValue()));
            } else {
                replace(blocks.get(i).getValue(), child.getAsJsonObject("block"), childPath, todo);
            }
        }
    }

    private static JsonObject factorSpec(JsonObject layerSpec, int rank, Block layer) {
        JsonObject v = layerSpec.deepCopy();
        JsonObject u = layerSpec.deepCopy();
        if (layer instanceof Conv2d) {
            v.addProperty("filters", rank);
            v.addProperty("bias", false);
            JsonArray one = new JsonArray();
            one.add(1);
            one.add(1);
            JsonArray zero = new JsonArray();
            zero.add(0);
            zero.add(0);
            u.add("kernel", one);
            u.add("stride", one.deepCopy());
            u.add("dilation", one.deepCopy());
            u.add("padding", zero);
        } else {
            v.addProperty("units", rank);
            v.addProperty("bias", false);
        }
        JsonObject seq = new JsonObject();
        seq.addProperty("type", "NamedSequential");
        JsonArray children = new JsonArray();
        children.add(named("v", v));
        children.add(named("u", u));
        seq.add("children", children);
        return seq;
    }

    private static JsonObject named(String name, JsonObject block) {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.add("block", block);
        return o;
    }

    /** The factors' weights, keyed by their parameter names in the new block. */
    private static Map<String, float[]> factorWeights(LayerFactorisation f, NDArray weight) {
        int rows = (int) f.rows();
        int cols = (int) f.columns();
        int r = f.rank();
        SingularValueDecomposition svd = new SingularValueDecomposition(matrix(weight, rows, cols));
        RealMatrix u = svd.getU();
        RealMatrix v = svd.getV();
        double[] sigma = svd.getSingularValues();
        float[] first = new float[r * cols]; // Σ^½ Vᵀ: r × cols
        float[] second = new float[rows * r]; // U Σ^½: rows × r
        for (int i = 0; i < r; i++) {
            double s = Math.sqrt(sigma[i]);
            for (int c = 0; c < cols; c++) {
                first[i * cols + c] = (float) (s * v.getEntry(c, i));
            }
            for (int n = 0; n < rows; n++) {
                second[n * r + i] = (float) (u.getEntry(n, i) * s);
            }
        }
        Map<String, float[]> out = new HashMap<>();
        out.put(BlockPaths.join(BlockPaths.join(f.path(), "01v"), "weight"), first);
        out.put(BlockPaths.join(BlockPaths.join(f.path(), "02u"), "weight"), second);
        return out;
    }

    private static RealMatrix matrix(NDArray weight, int rows, int cols) {
        float[] w = weight.toFloatArray();
        double[][] m = new double[rows][cols];
        for (int n = 0; n < rows; n++) {
            for (int c = 0; c < cols; c++) {
                m[n][c] = w[n * cols + c];
            }
        }
        return new Array2DRowRealMatrix(m, false);
    }

    private List<Candidate> candidates(Block block, Shape inputShape) {
        ModelProfile profile = ModelProfile.of(block, inputShape, MacConvention.CONV_LINEAR);
        Map<String, LayerProfile> rows = new HashMap<>();
        profile.layers().forEach(l -> rows.put(l.path().equals("(root)") ? "" : l.path(), l));
        Map<String, Block> byPath = new LinkedHashMap<>();
        collect(block, "", byPath);
        Predicate<String> selected = layers == null ? p -> true : layers.asPredicate();
        List<Candidate> out = new ArrayList<>();
        for (LayerProfile l : profile.layers()) {
            String path = l.path().equals("(root)") ? "" : l.path();
            Block b = byPath.get(path);
            boolean kind = (b instanceof Conv2d c && c.getGroups() == 1) || b instanceof Linear;
            if (!kind || !selected.test(path)) {
                continue;
            }
            NDArray w = weight(b);
            long r = w.getShape().get(0);
            long c = w.size() / r;
            boolean bias = b.getDirectParameters().keys().contains("bias");
            double[] sigma = new SingularValueDecomposition(matrix(w, (int) r, (int) c)).getSingularValues();
            out.add(new Candidate(path, b, rows.get(path), r, c, bias, sigma));
        }
        return out;
    }

    private static void collect(Block block, String path, Map<String, Block> out) {
        out.put(path, block);
        for (Pair<String, Block> c : block.getChildren()) {
            collect(c.getValue(), BlockPaths.join(path, c.getKey()), out);
        }
    }

    private static NDArray weight(Block block) {
        return block.getDirectParameters().get("weight").getArray();
    }

    /** Options of a {@link LowRankFactorizer}. */
    public static final class Builder {
        private Pattern layers;

        private Builder() {}

        /**
         * Restricts the candidates to layers whose DJL path matches a regular expression (found anywhere
         * in the path); default every Conv2d with groups 1 and every Linear.
         *
         * @param regex the pattern
         * @return this builder
         */
        public Builder optLayers(String regex) {
            this.layers = Pattern.compile(regex);
            return this;
        }

        /** @return the factorizer */
        public LowRankFactorizer build() {
            return new LowRankFactorizer(this);
        }
    }
}
