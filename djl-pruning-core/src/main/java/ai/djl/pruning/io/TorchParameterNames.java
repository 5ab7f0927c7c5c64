package ai.djl.pruning.io;

import ai.djl.pruning.nn.BlockPaths;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.common.collect.ImmutableBiMap;
import com.google.common.collect.ImmutableMap;

/**
 * Maps DJL parameter paths to PyTorch state-dict names by walking the block tree.
 *
 * <p>DJL names a child {@code NNname} (a two-digit position, then the name given to
 * {@code addChildBlock}) and joins levels with {@code _}; PyTorch joins module names with {@code .}.
 * A block tree whose children carry the PyTorch module names ({@code conv1}, {@code layer1}, {@code
 * 0}, ...) therefore maps one to one: {@code 04layer1_01block0_01conv1_weight} becomes {@code
 * layer1.0.conv1.weight}. BatchNorm's {@code gamma}, {@code beta}, {@code runningMean} and {@code
 * runningVar} become {@code weight}, {@code bias}, {@code running_mean} and {@code running_var}.
 */
public final class TorchParameterNames {

    private static final ImmutableMap<String, String> PARAMETER_NAMES = ImmutableMap.of(
            "gamma", "weight",
            "beta", "bias",
            "runningMean", "running_mean",
            "runningVar", "running_var");

    private TorchParameterNames() {}

    /**
     * Returns DJL parameter path (as in {@link Block#getParameters()}) to PyTorch name.
     *
     * @param block the block tree
     * @return the mapping, in parameter order
     * @throws IllegalArgumentException if two DJL parameters would map to the same PyTorch name
     */
    public static ImmutableBiMap<String, String> of(Block block) {
        ImmutableBiMap.Builder<String, String> names = ImmutableBiMap.builder();
        walk(block, "", "", names);
        return names.buildOrThrow();
    }

    private static void walk(
            Block block, String djlPrefix, String torchPrefix, ImmutableBiMap.Builder<String, String> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(djlPrefix + p.getKey(), torchPrefix + PARAMETER_NAMES.getOrDefault(p.getKey(), p.getKey()));
        }
        for (Pair<String, Block> child : block.getChildren()) {
            String name = child.getKey();
            walk(child.getValue(), djlPrefix + name + "_", torchPrefix + BlockPaths.childName(name) + ".", out);
        }
    }

}
