package ai.djl.pruning.structured;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which channel classes of a {@link DependencyGraph} to remove: an immutable value, printable as the
 * width of every layer before and after. Applying it is {@link ChannelPruner#apply}'s job.
 *
 * @param graph the analysed block's graph
 * @param pruned channel classes to remove
 */
public record ChannelPruningPlan(DependencyGraph graph, ImmutableSortedSet<Integer> pruned) {

    /**
     * Returns each layer dimension's width before and after, keyed by {@code path[ROLE]}.
     *
     * @return {old width, new width} per layer dimension
     */
    public ImmutableMap<String, int[]> widths() {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (LayerChannels l : graph.layers()) {
            if (!l.role().isSliced()) {
                continue;
            }
            int kept = 0;
            for (int c : l.channels()) {
                kept += pruned.contains(c) ? 0 : 1;
            }
            out.put(l.path() + "[" + l.role() + "]", new int[] {l.width(), kept});
        }
        return ImmutableMap.copyOf(out);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ChannelPruningPlan(" + pruned.size() + " channels removed)");
        widths().forEach((k, w) -> {
            if (k.endsWith("[CONV_OUT]") || k.endsWith("[LINEAR_OUT]") || k.endsWith("[DEPTHWISE]")) {
                sb.append(String.format("%n  %s: %d → %d", k, w[0], w[1]));
            }
        });
        return sb.toString();
    }
}
