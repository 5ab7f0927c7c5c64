package ai.djl.pruning.structured;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which channel classes of a {@link DependencyGraph} to remove: an immutable value, printable as the
 * width of every layer before and after. Applying it is {@link ChannelPruner#apply}'s job.
 *
 * @param graph the analysed block's graph
 * @param pruned channel classes to remove
 */
public record ChannelPruningPlan(DependencyGraph graph, ImmutableSortedSet<Integer> pruned) {

    /**
     * Checks that a plan (also one written by hand) only removes prunable channels of its graph and
     * leaves every layer at least one channel.
     *
     * @throws IllegalArgumentException naming the unknown or protected channels, or the emptied layer
     */
    public ChannelPruningPlan {
        Preconditions.checkNotNull(graph, "graph");
        Preconditions.checkNotNull(pruned, "pruned");
        Set<Integer> prunable = new HashSet<>();
        for (ChannelGroup g : graph.groups()) {
            if (!g.isProtected()) {
                prunable.addAll(g.channels());
            }
        }
        List<Integer> refused = pruned.stream().filter(c -> !prunable.contains(c)).toList();
        Preconditions.checkArgument(refused.isEmpty(), "channel classes %s cannot be pruned: unknown to the graph, "
                + "or touching the network's input or output", refused);
        for (LayerChannels l : graph.layers()) {
            if (l.role().isSliced() && l.width() > 0) {
                boolean keepsOne = false;
                for (int c : l.channels()) {
                    keepsOne |= !pruned.contains(c);
                }
                Preconditions.checkArgument(keepsOne, "the plan removes every channel of %s[%s]", l.path(), l.role());
            }
        }
    }

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

    /**
     * The model's predicted time of the layers pruning changes (convolutions, fully connected layers,
     * element-wise activations and adds), dense and with this plan applied.
     *
     * @param model a latency model of the serving runtime
     * @return {dense ms, pruned ms}
     */
    public double[] predictLatency(ai.djl.pruning.analysis.LatencyModel model) {
        LatencySites sites = LatencySites.of(graph, model);
        return new double[] {sites.predict(java.util.Set.of()), sites.predict(pruned)};
    }
}
