package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts BatchNorm back after every convolution that has none, without changing the function: models
 * exported to ONNX have their BatchNorm folded into the convolutions, and a deep network without it
 * fine-tunes badly. Each inserted BatchNorm starts as the identity of its convolution's outputs on
 * calibration inputs: running mean μ and variance σ² from those outputs, γ = √(σ² + ε), β = μ, so that in
 * inference mode it returns its input exactly, and in training mode (batch statistics near μ and σ²)
 * nearly so. The original block is not changed.
 *
 * <pre>{@code
 * Block trainable = BatchNormInsertion.afterConvolutions(imported, inputShape, calibrationImages, manager);
 * // fine-tune `trainable`; export it as it is (ONNX BatchNormalization) or fold again
 * }</pre>
 */
public final class BatchNormInsertion {

    /** Suffix of the inserted children's names. */
    static final String SUFFIX = "_inserted_bn";
    private static final float EPSILON = 1e-5f;

    private BatchNormInsertion() {}

    /**
     * Builds a copy of the block with a BatchNorm after every convolution not already followed by one.
     *
     * @param block an initialised block of types {@link BlockSpec} describes
     * @param inputShape its input shape
     * @param calibration input batches whose convolution outputs set the inserted statistics
     * @param manager owns the new block's parameters
     * @return the new block, initialised, equal to the original in inference mode
     * @throws IllegalStateException if the new block's output differs from the original's on a probe
     */
    public static Block afterConvolutions(Block block, Shape inputShape, List<NDArray> calibration,
            NDManager manager) {
        Preconditions.checkArgument(!calibration.isEmpty(), "calibration needs at least one input batch");
        JsonObject spec = BlockSpec.describe(block);
        insert(spec);
        Block out = BlockSpec.build(spec);
        ProbeInputs.initializeForOverwrite(out, manager, inputShape);
        copyParameters(block, out);
        Set<String> paths = new LinkedHashSet<>();
        collect(out, "", paths);
        Preconditions.checkArgument(!paths.isEmpty(), "the block has no convolution without BatchNorm");
        calibrate(out, paths, calibration, manager);
        try (NDManager scope = manager.newSubManager()) {
            // In inference mode the inserted BatchNorms are exactly the identity, for any input.
            OutputCheck.requireSameOutputs(block, out, inputShape, 1e-4f, scope,
                    "the block with BatchNorm inserted differs from the original");
        }
        return out;
    }

    /** Adds a BatchNorm spec after each Conv2d child that is not followed by one; wraps bare branch convs. */
    private static void insert(JsonObject spec) {
        if (!spec.has("children")) {
            return;
        }
        JsonArray children = spec.getAsJsonArray("children");
        JsonArray out = new JsonArray();
        boolean parallel = spec.get("type").getAsString().equals("Parallel");
        for (int i = 0; i < children.size(); i++) {
            JsonObject child = children.get(i).getAsJsonObject();
            JsonObject b = child.getAsJsonObject("block");
            insert(b);
            boolean conv = b.get("type").getAsString().equals("Conv2d");
            boolean shortcut = child.has("shortcut") && child.get("shortcut").getAsBoolean();
            if (conv && (parallel || shortcut)) {
                // A branch that is one conv becomes a sequence of the conv and its BatchNorm.
                JsonObject seq = new JsonObject();
                seq.addProperty("type", "NamedSequential");
                JsonArray inner = new JsonArray();
                inner.add(named(child.get("name").getAsString(), b));
                inner.add(named(child.get("name").getAsString() + SUFFIX, batchNorm()));
                seq.add("children", inner);
                child.add("block", seq);
                out.add(child);
                continue;
            }
            out.add(child);
            boolean followedByNorm = i + 1 < children.size() && children.get(i + 1).getAsJsonObject()
                    .getAsJsonObject("block").get("type").getAsString().equals("BatchNorm");
            if (conv && !followedByNorm) {
                out.add(named(child.get("name").getAsString() + SUFFIX, batchNorm()));
            }
        }
        spec.add("children", out);
    }

    private static JsonObject named(String name, JsonObject block) {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.add("block", block);
        return o;
    }

    private static JsonObject batchNorm() {
        JsonObject bn = new JsonObject();
        bn.addProperty("type", "BatchNorm");
        bn.addProperty("epsilon", EPSILON);
        bn.addProperty("momentum", 0.9f);
        return bn;
    }

    private static boolean inserted(String parameterKey) {
        for (String p : new String[] {"gamma", "beta", "runningMean", "runningVar"}) {
            if (parameterKey.endsWith(SUFFIX + "_" + p)) {
                return true;
            }
        }
        return false;
    }

    /** The original's parameters in order are the new block's, less the inserted BatchNorms'. */
    private static void copyParameters(Block from, Block to) {
        List<Pair<String, Parameter>> source = new ArrayList<>();
        from.getParameters().forEach(source::add);
        int j = 0;
        for (Pair<String, Parameter> p : to.getParameters()) {
            if (inserted(p.getKey())) {
                continue;
            }
            Preconditions.checkState(j < source.size(), "more parameters than the original at %s", p.getKey());
            NDArray src = source.get(j++).getValue().getArray();
            NDArray dst = p.getValue().getArray();
            Preconditions.checkState(src.getShape().equals(dst.getShape()), "%s: %s vs the original's %s", p.getKey(),
                    dst.getShape(), src.getShape());
            ParameterWrites.set(dst, new NDIndex("..."), src);
        }
        Preconditions.checkState(j == source.size(), "%s of the original's parameters were not copied",
                source.size() - j);
    }

    private static void collect(Block block, String path, Set<String> paths) {
        for (Pair<String, Block> c : block.getChildren()) {
            String childPath = BlockPaths.join(path, c.getKey());
            if (c.getValue() instanceof BatchNorm && BlockPaths.childName(c.getKey()).endsWith(SUFFIX)) {
                paths.add(childPath);
            }
            collect(c.getValue(), childPath, paths);
        }
    }

    /** Sets each inserted BatchNorm to the identity of its input's per-channel statistics. */
    private static void calibrate(Block block, Set<String> paths, List<NDArray> calibration, NDManager manager) {
        // First the plain identity (γ 1, β 0, mean 0, var 1 − ε), so the traced outputs are the convs' outputs.
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (inserted(p.getKey())) {
                float v = p.getKey().endsWith("gamma") ? 1f : p.getKey().endsWith("runningVar") ? 1f - EPSILON : 0f;
                ParameterWrites.set(p.getValue().getArray(), new NDIndex("..."), v);
            }
        }
        BlockTrace trace = BlockTrace.of(paths);
        Map<String, double[]> sums = new HashMap<>();
        Map<String, double[]> squares = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        for (NDArray x : calibration) {
            try (NDManager scope = manager.newSubManager()) {
                trace.forward(block, new ParameterStore(scope, false), new NDList(x), false);
                for (String path : paths) {
                    NDArray y = trace.outputs().get(path);
                    long channels = y.getShape().get(1);
                    NDArray perChannel = y.transpose(1, 0, 2, 3).reshape(channels, -1);
                    double[] s = sums.computeIfAbsent(path, k -> new double[(int) channels]);
                    double[] q = squares.computeIfAbsent(path, k -> new double[(int) channels]);
                    float[] sum = perChannel.sum(new int[] {1}).toFloatArray();
                    float[] sq = perChannel.square().sum(new int[] {1}).toFloatArray();
                    for (int c = 0; c < channels; c++) {
                        s[c] += sum[c];
                        q[c] += sq[c];
                    }
                    counts.merge(path, y.getShape().size() / channels, Long::sum);
                }
            }
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (!inserted(p.getKey())) {
                continue;
            }
            String path = p.getKey().substring(0, p.getKey().lastIndexOf('_'));
            double[] s = sums.get(path);
            double[] q = squares.get(path);
            Preconditions.checkState(s != null, "no statistics for %s", path);
            long n = counts.get(path);
            float[] v = new float[s.length];
            for (int c = 0; c < v.length; c++) {
                double mean = s[c] / n;
                double var = Math.max(0, q[c] / n - mean * mean);
                String what = p.getKey().substring(p.getKey().lastIndexOf('_') + 1);
                v[c] = (float) switch (what) {
                    case "runningMean", "beta" -> mean;
                    case "runningVar" -> var;
                    default -> Math.sqrt(var + EPSILON); // gamma
                };
            }
            try (NDManager scope = manager.newSubManager()) {
                ParameterWrites.set(p.getValue().getArray(), new NDIndex("..."), scope.create(v));
            }
        }
    }
}
