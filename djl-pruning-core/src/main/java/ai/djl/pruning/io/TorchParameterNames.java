package ai.djl.pruning.io;

import ai.djl.pruning.nn.BlockPaths;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableBiMap;
import com.google.common.collect.ImmutableMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

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
        Map<String, String> names = new LinkedHashMap<>();
        walk(block, "", "", names);
        Map<String, String> first = new LinkedHashMap<>();
        names.forEach((path, torch) -> {
            String other = first.putIfAbsent(torch, path);
            Preconditions.checkArgument(other == null, "DJL parameters %s and %s both have the PyTorch-style name "
                    + "'%s': the block's children are not named like PyTorch modules (aliases() gives display "
                    + "names for any block)", other, path, torch);
        });
        return ImmutableBiMap.copyOf(names);
    }

    /**
     * Display names for any block tree: the PyTorch-style name where it is unique, else the DJL path.
     * DJL's position prefixes are what keep paths unique: a plain {@code SequentialBlock} of two {@code
     * Conv2d}s has paths {@code 01Conv2d_weight} and {@code 02Conv2d_weight}, both {@code Conv2d.weight} in
     * PyTorch style. The DJL path stays the identity everywhere; this is only for people to read and for
     * patterns to match.
     *
     * @param block the block tree
     * @return DJL parameter path to a display name, in parameter order, for every parameter
     */
    public static ImmutableMap<String, String> aliases(Block block) {
        Map<String, String> names = new LinkedHashMap<>();
        walk(block, "", "", names);
        Map<String, Long> uses = names.values().stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        ImmutableMap.Builder<String, String> out = ImmutableMap.builder();
        names.forEach((path, torch) -> out.put(path, uses.get(torch) == 1 ? torch : path));
        return out.buildOrThrow();
    }

    private static void walk(Block block, String djlPrefix, String torchPrefix, Map<String, String> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(djlPrefix + p.getKey(), torchPrefix + PARAMETER_NAMES.getOrDefault(p.getKey(), p.getKey()));
        }
        for (Pair<String, Block> child : block.getChildren()) {
            String name = child.getKey();
            walk(child.getValue(), djlPrefix + name + "_", torchPrefix + BlockPaths.childName(name) + ".", out);
        }
    }

}
