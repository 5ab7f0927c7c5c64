package ai.djl.pruning.lowrank;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The result of {@link LowRankFactorizer#plan}: per candidate layer the rank chosen, the relative
 * Frobenius error of its truncated weight and its cost before and after; and the whole model's cost
 * before and after. A value: printable, applied separately by {@link LowRankFactorizer#apply}.
 *
 * @param selection how the ranks were chosen
 * @param layers every candidate layer (factorised or kept), in execution order
 * @param modelParamsBefore the whole model's trainable parameters
 * @param modelMacsBefore the whole model's MACs (conv/linear convention) for the profiled input
 */
public record LowRankPlan(RankSelection selection, List<LayerFactorisation> layers, long modelParamsBefore,
        long modelMacsBefore) {

    /** Copies the layer list. */
    public LowRankPlan {
        layers = ImmutableList.copyOf(layers);
    }

    /** @return the factorised layers only */
    public List<LayerFactorisation> factorised() {
        return layers.stream().filter(LayerFactorisation::factorised).collect(ImmutableList.toImmutableList());
    }

    /**
     * Finds a layer.
     *
     * @param path the layer's DJL path
     * @return its entry, if it is a candidate
     */
    public Optional<LayerFactorisation> layer(String path) {
        return layers.stream().filter(l -> l.path().equals(path)).findFirst();
    }

    /** @return the model's parameters after factorisation */
    public long modelParamsAfter() {
        return modelParamsBefore - layers.stream().mapToLong(l -> l.paramsBefore() - l.paramsAfter()).sum();
    }

    /** @return the model's MACs after factorisation */
    public long modelMacsAfter() {
        return modelMacsBefore - layers.stream().mapToLong(l -> l.macsBefore() - l.macsAfter()).sum();
    }

    /** @return the plan as a fixed-width table with totals */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("low-rank plan (").append(selection).append(")\n");
        String f = "%-40s %-7s %-10s %9s %9s %12s %12s %14s %14s%n";
        sb.append(String.format(Locale.ROOT, f, "layer", "type", "matrix", "rank", "rel.error", "params", "params→",
                "MACs", "MACs→"));
        for (LayerFactorisation l : layers) {
            sb.append(String.format(Locale.ROOT, f, l.path(), l.type(), l.rows() + "x" + l.columns(),
                    l.factorised() ? l.rank() + "/" + l.fullRank() : "kept", String.format(Locale.ROOT, "%.4f",
                            l.relativeError()), n(l.paramsBefore()), n(l.paramsAfter()), n(l.macsBefore()),
                    n(l.macsAfter())));
        }
        sb.append(String.format(Locale.ROOT, "model: params %s → %s (%.1f%%), MACs %s → %s (%.1f%%), %d of %d layers"
                + " factorised%n", n(modelParamsBefore), n(modelParamsAfter()),
                100.0 * modelParamsAfter() / modelParamsBefore, n(modelMacsBefore), n(modelMacsAfter()),
                100.0 * modelMacsAfter() / modelMacsBefore, factorised().size(), layers.size()));
        return sb.toString();
    }

    @Override
    public String toString() {
        return toTable();
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }
}
