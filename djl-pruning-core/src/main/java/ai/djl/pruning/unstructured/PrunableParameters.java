package ai.djl.pruning.unstructured;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.io.TorchParameterNames;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which parameters of a block may be pruned. By default every weight of rank > 1 (conv and linear
 * weights, not biases or BatchNorm scales); a regular expression narrows the choice, matched against
 * the DJL path ({@code 04layer1_010_01conv1_weight}) or the PyTorch-style name ({@code
 * layer1.0.conv1.weight}).
 */
public final class PrunableParameters {

    private PrunableParameters() {}

    /**
     * Returns the default prunable parameters.
     *
     * @param block an initialised block
     * @return DJL path to parameter, in parameter order
     */
    public static ImmutableMap<String, Parameter> of(Block block) {
        return select(block, null);
    }

    /**
     * Returns the prunable parameters whose DJL path or PyTorch-style name matches a pattern.
     *
     * @param block an initialised block
     * @param pattern a regular expression found in the path or name, or null for all
     * @return DJL path to parameter, in parameter order
     * @throws IllegalArgumentException if the pattern selects nothing
     */
    public static ImmutableMap<String, Parameter> select(Block block, String pattern) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block first");
        Map<String, String> names = TorchParameterNames.aliases(block);
        Predicate<String> match = pattern == null ? s -> true : Pattern.compile(pattern).asPredicate();
        ImmutableMap.Builder<String, Parameter> out = ImmutableMap.builder();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter parameter = p.getValue();
            boolean prunable = parameter.getType() == Parameter.Type.WEIGHT
                    && parameter.getArray().getShape().dimension() > 1;
            if (prunable && (match.test(p.getKey()) || match.test(names.getOrDefault(p.getKey(), "")))) {
                out.put(p.getKey(), parameter);
            }
        }
        ImmutableMap<String, Parameter> selected = out.build();
        Preconditions.checkArgument(!selected.isEmpty(),
                "the pattern '%s' selects no prunable weight (conv/linear weights of rank > 1)", pattern);
        return selected;
    }

    /**
     * Looks a parameter up by DJL path.
     *
     * @param block the block
     * @param path a DJL parameter path
     * @return the parameter
     * @throws IllegalArgumentException naming the path if it does not exist
     */
    public static Parameter require(Block block, String path) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getKey().equals(path)) {
                return p.getValue();
            }
        }
        throw new IllegalArgumentException("unknown parameter path '" + path + "'");
    }
}
