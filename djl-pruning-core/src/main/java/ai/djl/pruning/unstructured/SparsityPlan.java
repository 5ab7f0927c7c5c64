package ai.djl.pruning.unstructured;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Target sparsity per parameter (DJL path → fraction of elements to zero, in [0, 1]): an immutable,
 * printable, JSON-serialisable value. Applying it is {@link MagnitudePruner}'s job.
 *
 * <pre>{@code
 * SparsityPlan plan = SparsityPlan.uniform(PrunableParameters.of(net).keySet(), 0.8);
 * PruningMasks masks = MagnitudePruner.builder().build().masks(net, plan);
 * }</pre>
 */
public final class SparsityPlan {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private final ImmutableMap<String, Double> sparsities;

    private SparsityPlan(Map<String, Double> sparsities) {
        for (Map.Entry<String, Double> e : sparsities.entrySet()) {
            double s = e.getValue();
            Preconditions.checkArgument(s >= 0 && s <= 1,
                    "sparsity of %s must be in [0, 1], got %s", e.getKey(), e.getValue());
        }
        this.sparsities = ImmutableMap.copyOf(sparsities);
    }

    /**
     * Creates a layer-wise plan.
     *
     * @param sparsities DJL path to sparsity
     * @return the plan
     * @throws IllegalArgumentException if a sparsity is outside [0, 1] or NaN
     */
    public static SparsityPlan of(Map<String, Double> sparsities) {
        return new SparsityPlan(sparsities);
    }

    /**
     * Creates a plan with one sparsity for every listed parameter.
     *
     * @param paths DJL paths
     * @param sparsity the sparsity
     * @return the plan
     */
    public static SparsityPlan uniform(Iterable<String> paths, double sparsity) {
        Map<String, Double> m = new LinkedHashMap<>();
        paths.forEach(p -> m.put(p, sparsity));
        return new SparsityPlan(m);
    }

    /**
     * Reads a plan written by {@link #toJson()}.
     *
     * @param json the JSON object of path → sparsity
     * @return the plan
     */
    public static SparsityPlan fromJson(String json) {
        Map<String, Double> m = GSON.fromJson(json, new TypeToken<LinkedHashMap<String, Double>>() {}.getType());
        return new SparsityPlan(m);
    }

    /** @return DJL path to sparsity, in plan order */
    public ImmutableMap<String, Double> sparsities() {
        return sparsities;
    }

    /** @return the plan as a JSON object */
    public String toJson() {
        return GSON.toJson(sparsities);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SparsityPlan p && p.sparsities.equals(sparsities);
    }

    @Override
    public int hashCode() {
        return sparsities.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SparsityPlan{");
        sparsities.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%n  %s: %.4f", k, v)));
        return sb.append("\n}").toString();
    }
}
