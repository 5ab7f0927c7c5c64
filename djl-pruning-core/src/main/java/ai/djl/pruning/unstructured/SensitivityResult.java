package ai.djl.pruning.unstructured;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.primitives.Doubles;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The result of a {@link SensitivityScan}: accuracy of the model with one tensor pruned at a time, for
 * each sparsity of a grid, beside the dense accuracy and each tensor's size.
 */
public final class SensitivityResult {

    private final double denseAccuracy;
    private final ImmutableList<Double> sparsities;
    private final ImmutableMap<String, ImmutableList<Double>> accuracies;
    private final ImmutableMap<String, Long> sizes;
    private final String evaluatedOn;

    /**
     * Creates a result.
     *
     * @param denseAccuracy accuracy of the unpruned model (percent)
     * @param sparsities the grid
     * @param accuracies DJL path to accuracy per grid point (percent)
     * @param sizes DJL path to element count
     * @param evaluatedOn a description of the evaluation data (e.g. "first 1000 test images")
     */
    public SensitivityResult(double denseAccuracy, double[] sparsities, Map<String, double[]> accuracies,
            Map<String, Long> sizes, String evaluatedOn) {
        this.denseAccuracy = denseAccuracy;
        this.sparsities = ImmutableList.copyOf(Doubles.asList(sparsities));
        ImmutableMap.Builder<String, ImmutableList<Double>> b = ImmutableMap.builder();
        accuracies.forEach((k, v) -> {
            Preconditions.checkArgument(v.length == sparsities.length, "%s: %s accuracies for %s sparsities",
                    k, v.length, sparsities.length);
            Preconditions.checkArgument(sizes.containsKey(k), "no size for %s", k);
            b.put(k, ImmutableList.copyOf(Doubles.asList(v)));
        });
        this.accuracies = b.buildOrThrow();
        this.sizes = ImmutableMap.copyOf(sizes);
        this.evaluatedOn = evaluatedOn;
    }

    /** @return accuracy of the dense model in percent */
    public double denseAccuracy() {
        return denseAccuracy;
    }

    /** @return the sparsity grid */
    public ImmutableList<Double> sparsities() {
        return sparsities;
    }

    /** @return DJL path to accuracies along the grid */
    public ImmutableMap<String, ImmutableList<Double>> accuracies() {
        return accuracies;
    }

    /** @return DJL path to element count */
    public ImmutableMap<String, Long> sizes() {
        return sizes;
    }

    /** @return what the accuracies were measured on */
    public String evaluatedOn() {
        return evaluatedOn;
    }

    /** @return CSV with a header row: path, elements, then one column per sparsity */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("parameter,elements");
        sparsities.forEach(s -> sb.append(String.format(Locale.ROOT, ",%.2f", s)));
        sb.append('\n').append(String.format(Locale.ROOT, "(dense),%d", sizes.values().stream().mapToLong(Long::longValue).sum()));
        sparsities.forEach(s -> sb.append(String.format(Locale.ROOT, ",%.2f", denseAccuracy)));
        sb.append('\n');
        accuracies.forEach((path, acc) -> {
            sb.append(path).append(',').append(sizes.get(path));
            acc.forEach(a -> sb.append(String.format(Locale.ROOT, ",%.2f", a)));
            sb.append('\n');
        });
        return sb.toString();
    }

    /** @return the result as JSON */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("denseAccuracy", denseAccuracy);
        o.addProperty("evaluatedOn", evaluatedOn);
        JsonArray grid = new JsonArray();
        sparsities.forEach(grid::add);
        o.add("sparsities", grid);
        JsonObject layers = new JsonObject();
        accuracies.forEach((path, acc) -> {
            JsonObject l = new JsonObject();
            l.addProperty("elements", sizes.get(path));
            JsonArray a = new JsonArray();
            acc.forEach(a::add);
            l.add("accuracies", a);
            layers.add(path, l);
        });
        o.add("layers", layers);
        return new GsonBuilder().setPrettyPrinting().create().toJson(o);
    }

    /**
     * Reads a result written by {@link #toJson()}.
     *
     * @param json the JSON text
     * @return the result
     * @throws IllegalArgumentException if a field is missing
     */
    public static SensitivityResult fromJson(String json) {
        JsonObject o = new Gson().fromJson(json, JsonObject.class);
        for (String field : new String[] {"denseAccuracy", "evaluatedOn", "sparsities", "layers"}) {
            Preconditions.checkArgument(o != null && o.has(field), "sensitivity scan JSON lacks '%s'", field);
        }
        double[] grid = new Gson().fromJson(o.get("sparsities"), double[].class);
        Map<String, double[]> acc = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        o.getAsJsonObject("layers").entrySet().forEach(e -> {
            JsonObject l = e.getValue().getAsJsonObject();
            acc.put(e.getKey(), new Gson().fromJson(l.get("accuracies"), double[].class));
            sizes.put(e.getKey(), l.get("elements").getAsLong());
        });
        return new SensitivityResult(o.get("denseAccuracy").getAsDouble(), grid, acc, sizes,
                o.get("evaluatedOn").getAsString());
    }
}
