package ai.djl.pruning.structured;

import ai.djl.nn.Block;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A group criterion built from a per-layer one: each layer of the group that the criterion reads scores
 * the channels it indexes; a channel's group score reduces its layer scores (sum, mean or max), each
 * layer's scores optionally normalised to mean 1 first so that layers of different scale weigh alike.
 * Immutable: the {@code with} methods return new criteria.
 *
 * <pre>{@code
 * Importance criterion = Importance.l1().withReduction(GroupReduction.MEAN).withNormalisation(true);
 * }</pre>
 */
public final class GroupImportance implements Importance {

    private final LayerImportance layer;
    private final GroupReduction reduction;
    private final boolean normalise;

    private GroupImportance(LayerImportance layer, GroupReduction reduction, boolean normalise) {
        this.layer = Preconditions.checkNotNull(layer, "layer criterion");
        this.reduction = Preconditions.checkNotNull(reduction, "reduction");
        this.normalise = normalise;
    }

    /**
     * Sums a layer criterion over each group, without normalisation.
     *
     * @param layer the per-layer criterion
     * @return the group criterion
     */
    public static GroupImportance of(LayerImportance layer) {
        return new GroupImportance(layer, GroupReduction.SUM, false);
    }

    /**
     * @param reduction how layer scores combine
     * @return a criterion like this one with that reduction
     */
    public GroupImportance withReduction(GroupReduction reduction) {
        return new GroupImportance(layer, reduction, normalise);
    }

    /**
     * @param normalise true to scale each layer's scores to mean 1 before reducing
     * @return a criterion like this one with that normalisation
     */
    public GroupImportance withNormalisation(boolean normalise) {
        return new GroupImportance(layer, reduction, normalise);
    }

    @Override
    public void prepare(Block block, DependencyGraph graph) {
        layer.prepare(block, graph);
    }

    @Override
    public double[] score(ChannelGroup group) {
        Map<Integer, double[]> acc = new HashMap<>(); // channel -> {reduced value, count}
        for (LayerChannels l : group.layers()) {
            double[] s = layer.score(l);
            if (s == null) {
                continue;
            }
            Preconditions.checkState(s.length == l.width(), "criterion gave %s scores for %s of width %s", s.length,
                    l.path(), l.width());
            double scale = 1;
            if (normalise) {
                double mean = Arrays.stream(s).map(Math::abs).average().orElse(0);
                scale = mean > 0 ? 1 / mean : 1;
            }
            for (int i = 0; i < s.length; i++) {
                int c = l.channels()[i];
                if (c < 0) {
                    continue;
                }
                double v = s[i] * scale;
                double[] a = acc.computeIfAbsent(c, k -> new double[] {reduction == GroupReduction.MAX
                        ? Double.NEGATIVE_INFINITY : 0, 0});
                a[0] = reduction == GroupReduction.MAX ? Math.max(a[0], v) : a[0] + v;
                a[1]++;
            }
        }
        List<Integer> channels = group.channels();
        double[] out = new double[channels.size()];
        for (int i = 0; i < out.length; i++) {
            double[] a = acc.get(channels.get(i));
            out[i] = a == null ? 0 : reduction == GroupReduction.MEAN ? a[0] / a[1] : a[0];
        }
        return out;
    }

    @Override
    public String toString() {
        return layer + " (" + reduction.name().toLowerCase(Locale.ROOT) + (normalise ? ", normalised" : "")
                + ")";
    }
}
