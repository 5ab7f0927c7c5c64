package ai.djl.pruning.deploy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.BlockPaths;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.DjlInternals;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.OutputCheck;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.pruning.nn.ProbeInputs;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Folds every BatchNorm that directly follows a {@link Conv2d} in a sequence (or a residual branch) into that
 * convolution, for inference: {@code W'[o] = W[o] · s[o]}, {@code b'[o] = (b[o] − μ[o]) · s[o] + β[o]} with
 * {@code s = γ / sqrt(σ² + ε)}. The result is a new block (the user's is not touched) in which each folded
 * BatchNorm is replaced by DJL's identity block, so every other parameter keeps its path; it is checked on a
 * probe to compute what the original computes in inference mode. Not for training: the BatchNorm's
 * statistics are frozen into the weights.
 *
 * <pre>{@code
 * BatchNormFolding.Folded f = BatchNormFolding.fold(pruned, new Shape(1, 3, 32, 32), manager);
 * OnnxExporter.export(f.block(), new Shape(1, 3, 32, 32), Paths.get("deploy.onnx"));
 * }</pre>
 */
public final class BatchNormFolding {

    private BatchNormFolding() {}

    /**
     * The folded block.
     *
     * @param block the new block
     * @param folded the BatchNorm path folded into each conv path
     * @param error max |folded − original| on the probe, relative to the largest output (at least 1)
     */
    public record Folded(Block block, ImmutableMap<String, String> folded, double error) {}

    /**
     * Folds and verifies.
     *
     * @param block an initialised block (not modified)
     * @param inputShape its input shape
     * @param manager owns the new block's parameters
     * @return the folded block, what was folded, and the measured difference
     * @throws IllegalStateException if the folded block differs by more than 1e-5
     */
    public static Folded fold(Block block, Shape inputShape, NDManager manager) {
        return fold(block, inputShape, manager, 1e-5f);
    }

    /**
     * Folds and verifies to a tolerance.
     *
     * @param block an initialised block (not modified)
     * @param inputShape its input shape
     * @param manager owns the new block's parameters
     * @param tolerance the verification tolerance, relative to the largest output (at least 1)
     * @return the folded block, what was folded, and the measured difference
     */
    public static Folded fold(Block block, Shape inputShape, NDManager manager, float tolerance) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block before folding it");
        Map<String, Block> byPath = new HashMap<>();
        index(block, "", byPath);
        JsonObject spec = BlockSpec.describe(block);
        Map<String, String> pairs = new LinkedHashMap<>();
        mark(spec, "", byPath, pairs);
        Block folded = BlockSpec.build(spec);
        ProbeInputs.initializeForOverwrite(folded, manager, inputShape);
        Map<String, Parameter> target = new HashMap<>();
        for (Pair<String, Parameter> p : folded.getParameters()) {
            target.put(p.getKey(), p.getValue());
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter dst = target.get(p.getKey());
            if (dst != null) {
                ParameterWrites.set(dst.getArray(), new NDIndex("..."), p.getValue().getArray());
            }
        }
        try (NDManager scope = manager.newSubManager()) {
            for (Map.Entry<String, String> e : pairs.entrySet()) {
                foldPair((Conv2d) byPath.get(e.getKey()), (BatchNorm) byPath.get(e.getValue()), e.getKey(), target, scope);
            }
            Shape probe = inputShape.get(0) >= 4 ? inputShape : new Shape(4).addAll(inputShape.slice(1));
            double error = OutputCheck.requireSameOutputs(block, folded, probe, tolerance, scope,
                    "the folded block differs from the original");
            return new Folded(folded, ImmutableMap.copyOf(pairs), error);
        }
    }

    private static void index(Block block, String path, Map<String, Block> byPath) {
        byPath.put(path, block);
        for (Pair<String, Block> c : block.getChildren()) {
            index(c.getValue(), BlockPaths.join(path, c.getKey()), byPath);
        }
    }

    /** Replaces each BatchNorm that follows a conv in a children list by the identity; gives the conv a bias. */
    private static void mark(JsonObject spec, String path, Map<String, Block> byPath, Map<String, String> pairs) {
        if (!spec.has("children")) {
            return;
        }
        JsonArray children = spec.getAsJsonArray("children");
        for (int i = 0; i < children.size(); i++) {
            JsonObject child = children.get(i).getAsJsonObject();
            String childPath = BlockPaths.join(path, BlockPaths.childKey(i, child.get("name").getAsString()));
            mark(child.getAsJsonObject("block"), childPath, byPath, pairs);
        }
        boolean sequence = !spec.has("join"); // a ParallelBlock's children are branches, not steps
        for (int i = 0; sequence && i + 1 < children.size(); i++) {
            JsonObject conv = children.get(i).getAsJsonObject();
            JsonObject bn = children.get(i + 1).getAsJsonObject();
            String convPath = BlockPaths.join(path, BlockPaths.childKey(i, conv.get("name").getAsString()));
            String bnPath = BlockPaths.join(path, BlockPaths.childKey(i + 1, bn.get("name").getAsString()));
            if (byPath.get(convPath) instanceof Conv2d && byPath.get(bnPath) instanceof BatchNorm norm
                    && !conv.has("shortcut") && !bn.has("shortcut") && foldable(norm)) {
                conv.getAsJsonObject("block").addProperty("bias", true);
                JsonObject identity = new JsonObject();
                identity.addProperty("type", "Lambda");
                identity.addProperty("op", KnownOps.Lambda.IDENTITY.name());
                bn.add("block", identity);
                pairs.put(convPath, bnPath);
            }
        }
    }

    /** A BatchNorm over the channel axis (1) of an (N, C, H, W) input. */
    private static boolean foldable(BatchNorm norm) {
        return norm.getDirectParameters().contains("runningMean") && norm.getInputShapes()[0].dimension() == 4
                && DjlInternals.batchNormAxis(norm) == 1;
    }

    private static void foldPair(Conv2d conv, BatchNorm bn, String convPath, Map<String, Parameter> target,
            NDManager scope) {
        NDArray mean = bn.getDirectParameters().get("runningMean").getArray().duplicate();
        NDArray var = bn.getDirectParameters().get("runningVar").getArray().duplicate();
        long c = mean.getShape().get(0);
        NDArray gamma = bn.getDirectParameters().contains("gamma") ? bn.getDirectParameters().get("gamma").getArray()
                : scope.ones(new Shape(c));
        NDArray beta = bn.getDirectParameters().contains("beta") ? bn.getDirectParameters().get("beta").getArray()
                : scope.zeros(new Shape(c));
        mean.attach(scope);
        var.attach(scope);
        NDArray s = gamma.div(var.add(DjlInternals.batchNormEpsilon(bn)).sqrt());
        NDArray w = conv.getDirectParameters().get("weight").getArray();
        NDArray b = conv.getDirectParameters().contains("bias") ? conv.getDirectParameters().get("bias").getArray()
                : scope.zeros(new Shape(c));
        Shape perFilter = new Shape(c).addAll(new Shape(1, 1, 1));
        ParameterWrites.set(target.get(convPath + "_weight").getArray(), new NDIndex("..."), w.mul(s.reshape(perFilter)));
        ParameterWrites.set(target.get(convPath + "_bias").getArray(), new NDIndex("..."), b.sub(mean).mul(s).add(beta));
    }
}
