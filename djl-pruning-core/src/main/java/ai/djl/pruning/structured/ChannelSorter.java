package ai.djl.pruning.structured;

import ai.djl.pruning.nn.OutputCheck;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reorders channels by importance, most important first: an equivalent transform (the new block's
 * outputs equal the original's), after which keeping the first k channels of a layer equals pruning it
 * by importance (MIT Lab 1's "channel sorting").
 *
 * <p>Groups tied to a zero-padding ("option A") shortcut keep their order: the shortcut places its
 * input channels at fixed positions between its zero channels, which a permutation would break; so do
 * groups read by a layer that also reads other groups (a conv after a concat).
 *
 * <pre>{@code
 * Block sorted = ChannelSorter.builder().optImportance(Importance.l2()).build().sort(net, inputShape, manager);
 * }</pre>
 */
public final class ChannelSorter {

    private final Importance importance;

    private ChannelSorter(Builder b) {
        this.importance = b.importance;
    }

    /** @return a builder (L2 importance) */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a new block with every sortable group's channels in descending importance, and checks
     * that it computes the same outputs as the original (to 1e-5 relative).
     *
     * @param block the original (not modified)
     * @param inputShape its input shape
     * @param manager owns the new block's parameters
     * @return the sorted block
     */
    public Block sort(Block block, Shape inputShape, NDManager manager) {
        DependencyGraph graph = DependencyGraph.of(block, inputShape);
        Map<Integer, Double> rank = new HashMap<>();
        for (ChannelGroup g : graph.groups()) {
            boolean padded = g.layers().stream().anyMatch(l -> l.role() == ChannelRole.SHORTCUT_PAD);
            // A layer that also reads other groups (after a concat) would need a per-segment order.
            boolean shared = g.layers().stream().anyMatch(l -> Arrays.stream(l.channels())
                    .anyMatch(c -> c >= 0 && !g.channels().contains(c)));
            if (g.isProtected() || padded || shared) {
                continue;
            }
            double[] scores = importance.score(g);
            for (int i = 0; i < scores.length; i++) {
                rank.put(g.channels().get(i), scores[i]);
            }
        }
        Map<String, KeptChannels> order = new HashMap<>();
        Map<String, int[]> outs = new HashMap<>();
        Map<String, int[]> ins = new HashMap<>();
        for (LayerChannels l : graph.layers()) {
            int[] channels = l.channels();
            if (!rank.containsKey(channels[0])) {
                continue;
            }
            int[] perm = sortedPositions(channels, rank);
            switch (l.role()) {
                case CONV_OUT, LINEAR_OUT, BATCH_NORM, DEPTHWISE -> outs.put(l.path(), perm);
                case CONV_IN, LINEAR_IN -> ins.put(l.path(), perm);
                default -> { }
            }
        }
        for (String path : union(outs.keySet(), ins.keySet())) {
            int[] out = outs.get(path);
            order.put(path, new KeptChannels(out, out == null ? 0 : out.length, ins.get(path)));
        }
        Block sorted = ChannelPruner.rebuildAndCopy(block, inputShape, order, manager);
        try (NDManager scope = manager.newSubManager()) {
            OutputCheck.requireSameOutputs(block, sorted, inputShape, 1e-5f, scope,
                    "sorted block differs from the original");
        }
        return sorted;
    }

    private static int[] sortedPositions(int[] channels, Map<Integer, Double> rank) {
        Integer[] pos = new Integer[channels.length];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i;
        }
        // Descending importance; ties keep their original order (stable sort).
        Arrays.sort(pos, (a, b) -> Double.compare(rank.get(channels[b]), rank.get(channels[a])));
        return Arrays.stream(pos).mapToInt(Integer::intValue).toArray();
    }

    private static List<String> union(Set<String> a, Set<String> b) {
        TreeSet<String> all = new TreeSet<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    /** Options of a {@link ChannelSorter}. */
    public static final class Builder {
        private Importance importance = Importance.l2();

        private Builder() {}

        /**
         * Sets the criterion; default L2 norm.
         *
         * @param importance the criterion
         * @return this builder
         */
        public Builder optImportance(Importance importance) {
            this.importance = Preconditions.checkNotNull(importance, "importance");
            return this;
        }

        /** @return the sorter */
        public ChannelSorter build() {
            return new ChannelSorter(this);
        }
    }
}
