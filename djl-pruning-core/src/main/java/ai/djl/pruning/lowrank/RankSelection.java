package ai.djl.pruning.lowrank;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import java.util.Locale;
import java.util.Map;

/**
 * How {@link LowRankFactorizer} chooses each layer's rank r:
 *
 * <ul>
 *   <li>{@link #energy}: the smallest r whose singular values keep a fraction e of the weight's energy
 *       {@code Σ_{i≤r} σ_i² ≥ e · Σ σ_i²};
 *   <li>{@link #paramBudget} / {@link #macBudget}: one energy threshold for all layers, the largest whose
 *       factorised model has at most the given fraction of the original model's parameters / MACs;
 *   <li>{@link #perLayer}: the rank of each named layer (DJL block path, as in {@code ModelProfile}).
 * </ul>
 *
 * With energy and budgets a layer is factorised only where it pays (fewer parameters than the original
 * layer); an explicit per-layer rank is always applied.
 */
public final class RankSelection {

    /** The kinds of selection. */
    public enum Kind {
        /** Per-layer energy threshold. */
        ENERGY,
        /** Global parameter budget. */
        PARAM_BUDGET,
        /** Global MAC budget. */
        MAC_BUDGET,
        /** Explicit ranks. */
        PER_LAYER
    }

    private final Kind kind;
    private final double value;
    private final ImmutableMap<String, Integer> ranks;

    private RankSelection(Kind kind, double value, Map<String, Integer> ranks) {
        this.kind = kind;
        this.value = value;
        this.ranks = ImmutableMap.copyOf(ranks);
    }

    /**
     * Keeps a fraction of every layer's energy.
     *
     * @param fraction in (0, 1]
     * @return the selection
     */
    public static RankSelection energy(double fraction) {
        Preconditions.checkArgument(fraction > 0 && fraction <= 1, "energy must be in (0, 1], got %s", fraction);
        return new RankSelection(Kind.ENERGY, fraction, Map.of());
    }

    /**
     * Fits the whole model into a fraction of its parameters.
     *
     * @param fraction in (0, 1]
     * @return the selection
     */
    public static RankSelection paramBudget(double fraction) {
        Preconditions.checkArgument(fraction > 0 && fraction <= 1, "parameter budget must be in (0, 1], got %s", fraction);
        return new RankSelection(Kind.PARAM_BUDGET, fraction, Map.of());
    }

    /**
     * Fits the whole model into a fraction of its MACs (conv/linear convention).
     *
     * @param fraction in (0, 1]
     * @return the selection
     */
    public static RankSelection macBudget(double fraction) {
        Preconditions.checkArgument(fraction > 0 && fraction <= 1, "MAC budget must be in (0, 1], got %s", fraction);
        return new RankSelection(Kind.MAC_BUDGET, fraction, Map.of());
    }

    /**
     * Uses the given rank for each named layer; other layers stay as they are.
     *
     * @param ranks layer path (e.g. {@code 04layer1_01_01conv1}) to rank ≥ 1
     * @return the selection
     */
    public static RankSelection perLayer(Map<String, Integer> ranks) {
        Preconditions.checkArgument(!ranks.isEmpty(), "no layer ranks given");
        ranks.forEach((p, r) -> Preconditions.checkArgument(r != null && r >= 1, "rank of %s must be >= 1, got %s", p, r));
        return new RankSelection(Kind.PER_LAYER, Double.NaN, ranks);
    }

    /** @return the kind */
    public Kind kind() {
        return kind;
    }

    /** @return the energy fraction or budget fraction (NaN for per-layer ranks) */
    public double value() {
        return value;
    }

    /** @return the explicit ranks (empty unless {@link Kind#PER_LAYER}) */
    public ImmutableMap<String, Integer> ranks() {
        return ranks;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ENERGY -> String.format(Locale.ROOT, "energy %.4f", value);
            case PARAM_BUDGET -> String.format(Locale.ROOT, "parameter budget %.4f", value);
            case MAC_BUDGET -> String.format(Locale.ROOT, "MAC budget %.4f", value);
            case PER_LAYER -> "ranks " + ranks;
        };
    }
}
