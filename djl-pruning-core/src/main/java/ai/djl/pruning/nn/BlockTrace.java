package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableSet;
import com.google.common.collect.Sets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a block tree child by child and keeps the outputs at chosen DJL paths: DJL blocks have no
 * forward hooks, so intermediate activations (for APoZ, Taylor or feature distillation) come from
 * walking the containers whose composition is known ({@link SequentialBlock}, {@link ResidualBlock},
 * DJL's {@code ParallelBlock})
 * and calling every other block whole. The walk computes exactly what {@code block.forward} computes,
 * and is differentiable like it.
 *
 * <pre>{@code
 * BlockTrace trace = BlockTrace.of(Set.of("03layer3_08block8_03relu1", "03layer3_08block8"));
 * NDList logits = trace.forward(net, store, new NDList(x), false);
 * NDArray features = trace.outputs().get("03layer3_08block8");
 * }</pre>
 */
public final class BlockTrace {

    /**
     * Appended to a {@link ResidualBlock}'s path, names its sum <em>before</em> the ReLU that follows the
     * add (the pre-activation features of feature distillation).
     */
    public static final String PRE_RELU = "#pre-relu";

    private final ImmutableSet<String> paths;
    private final Map<String, NDArray> outputs = new LinkedHashMap<>();

    private BlockTrace(Set<String> paths) {
        this.paths = ImmutableSet.copyOf(paths);
    }

    /**
     * Creates a trace that keeps the outputs of the blocks at these paths (a container's path keeps its
     * output, for a {@link ResidualBlock} after the add and its ReLU).
     *
     * @param paths DJL block paths, as {@link BlockPaths} names them
     * @return the trace
     */
    public static BlockTrace of(Set<String> paths) {
        return new BlockTrace(paths);
    }

    /**
     * Forwards the block, recording the outputs at the trace's paths (replacing those of a previous call).
     *
     * @param block the root block
     * @param store parameter store
     * @param inputs inputs
     * @param training training mode
     * @return the block's output
     * @throws IllegalArgumentException if a requested path was not reached (a typo, or a path inside a
     *     block this walk does not open)
     */
    public NDList forward(Block block, ParameterStore store, NDList inputs, boolean training) {
        outputs.clear();
        NDList out = walk(block, "", store, inputs, training);
        Preconditions.checkArgument(outputs.keySet().containsAll(paths),
                "traced paths %s were not reached; reachable paths are those of Sequential and Residual children",
                Sets.difference(paths, outputs.keySet()));
        return out;
    }

    /** @return the recorded outputs of the last forward, by path, in execution order */
    public Map<String, NDArray> outputs() {
        return Collections.unmodifiableMap(outputs);
    }

    private NDList walk(Block block, String path, ParameterStore store, NDList x, boolean training) {
        NDList out;
        if (block instanceof SequentialBlock && containsBelow(path)) {
            out = x;
            for (Pair<String, Block> child : block.getChildren()) {
                out = walk(child.getValue(), BlockPaths.join(path, child.getKey()), store, out, training);
            }
        } else if (block instanceof ResidualBlock r && containsBelow(path)) {
            NDList main = x;
            NDList side = x;
            for (Pair<String, Block> child : block.getChildren()) {
                String childPath = BlockPaths.join(path, child.getKey());
                if (child.getValue() == r.getShortcut()) {
                    side = walk(child.getValue(), childPath, store, x, training);
                } else {
                    main = walk(child.getValue(), childPath, store, main, training);
                }
            }
            NDArray sum = main.singletonOrThrow().add(side.singletonOrThrow());
            if (paths.contains(path + PRE_RELU)) {
                outputs.put(path + PRE_RELU, sum);
            }
            out = new NDList(r.isReluAfterAdd() ? Activation.relu(sum) : sum);
        } else if (block instanceof ParallelBlock parallel && containsBelow(path)) {
            List<NDList> branches = new ArrayList<>();
            for (Pair<String, Block> child : block.getChildren()) {
                branches.add(walk(child.getValue(), BlockPaths.join(path, child.getKey()), store, x, training));
            }
            out = DjlInternals.parallelJoin(parallel).apply(branches);
        } else {
            out = block.forward(store, x, training);
        }
        if (paths.contains(path)) {
            outputs.put(path, out.singletonOrThrow());
        }
        return out;
    }

    private boolean containsBelow(String path) {
        String prefix = path.isEmpty() ? "" : path + "_";
        for (String p : paths) {
            if (p.startsWith(prefix) && !p.equals(path) || p.equals(path + PRE_RELU)) {
                return true;
            }
        }
        return false;
    }
}
