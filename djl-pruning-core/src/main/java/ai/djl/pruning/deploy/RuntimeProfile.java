package ai.djl.pruning.deploy;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Where a deployed model's time goes, per operator, as ONNX Runtime itself records it inside the real graph
 * (its profiler, through DJL's {@code profilerOutput} model option): each node's kernel time, averaged over
 * the timed passes, beside the whole run's time, whose remainder is the runtime's own work between kernels.
 *
 * <pre>{@code
 * RuntimeProfile p = RuntimeProfile.onnxRuntime(Paths.get("deploy/model.onnx"), 0, new Shape(1, 3, 32, 32), 20, 100);
 * System.out.print(p.byGroup(RuntimeProfile::opType));
 * }</pre>
 *
 * @param ops every kernel of one pass, in execution order, mean milliseconds over the timed passes
 * @param runMs the mean time of a whole pass as the runtime records it, ms
 * @param passes the timed passes
 */
public record RuntimeProfile(ImmutableList<Op> ops, double runMs, int passes) {

    /**
     * One kernel of the graph.
     *
     * @param node the node's name (the exporter names nodes after DJL block paths)
     * @param type its operator, as the runtime ran it (after fusions, e.g. {@code FusedConv})
     * @param ms mean time per pass
     */
    public record Op(String node, String type, double ms) {}

    /** Checks the fields. */
    public RuntimeProfile {
        Preconditions.checkArgument(passes > 0, "a profile needs timed passes");
        ops = ImmutableList.copyOf(ops);
    }

    /**
     * Profiles an ONNX file in DJL's OnnxRuntime engine.
     *
     * @param onnxFile the model
     * @param intraOpThreads ONNX Runtime threads per operator (0: its default)
     * @param input the input shape, batch included
     * @param warmup untimed passes (dropped from the profile)
     * @param passes timed passes
     * @return the profile
     * @throws Exception if the model cannot be loaded or run, or the runtime wrote no profile
     */
    public static RuntimeProfile onnxRuntime(Path onnxFile, int intraOpThreads, Shape input, int warmup, int passes)
            throws Exception {
        Preconditions.checkArgument(warmup >= 0 && passes > 0, "need warmup >= 0 and passes > 0");
        Path dir = Files.createTempDirectory("ort-profile");
        try {
            Criteria.Builder<NDList, NDList> c = Criteria.builder().setTypes(NDList.class, NDList.class)
                    .optModelPath(onnxFile).optEngine("OnnxRuntime").optTranslator(new NoopTranslator())
                    .optOption("profilerOutput", dir.resolve("profile").toString());
            if (intraOpThreads > 0) {
                c.optOption("intraOpNumThreads", Integer.toString(intraOpThreads)).optOption("interOpNumThreads", "1");
            }
            try (ZooModel<NDList, NDList> model = c.build().loadModel();
                    Predictor<NDList, NDList> p = model.newPredictor();
                    NDManager scope = model.getNDManager().newSubManager()) {
                float[] values = new float[Math.toIntExact(input.size())];
                java.util.Random random = new java.util.Random(7); // a private stream: the engine's is not ours
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextGaussian();
                }
                NDList x = new NDList(scope.create(values, input));
                for (int i = 0; i < warmup + passes; i++) {
                    p.predict(x).close();
                }
            } // closing the session writes the profile
            Path file;
            try (var files = Files.list(dir)) {
                file = files.filter(f -> f.getFileName().toString().endsWith(".json")).findFirst().orElseThrow(
                        () -> new IllegalStateException("ONNX Runtime wrote no profile in " + dir));
            }
            return parse(Files.readString(file, StandardCharsets.UTF_8), warmup);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /**
     * Reads ONNX Runtime's profile (Chrome trace JSON: {@code model_run} events and {@code Node} events with
     * {@code dur} in microseconds), skipping the first {@code warmup} runs.
     *
     * @param json the profile's text
     * @param warmup runs to skip
     * @return the profile of the remaining runs
     */
    static RuntimeProfile parse(String json, int warmup) {
        JsonArray events = JsonParser.parseString(json).getAsJsonArray();
        List<JsonObject> runs = new ArrayList<>();
        for (JsonElement e : events) {
            JsonObject o = e.getAsJsonObject();
            if ("Session".equals(str(o, "cat")) && "model_run".equals(str(o, "name"))) {
                runs.add(o);
            }
        }
        Preconditions.checkArgument(runs.size() > warmup, "the profile has %s runs, %s of them warm-up", runs.size(),
                warmup);
        long firstTimed = runs.get(warmup).get("ts").getAsLong();
        int passes = runs.size() - warmup;
        double run = runs.subList(warmup, runs.size()).stream().mapToLong(o -> o.get("dur").getAsLong()).sum()
                / 1e3 / passes;
        Map<String, double[]> byNode = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (JsonElement e : events) {
            JsonObject o = e.getAsJsonObject();
            String name = str(o, "name");
            if (!"Node".equals(str(o, "cat")) || name == null || !name.endsWith("_kernel_time")
                    || o.get("ts").getAsLong() < firstTimed) {
                continue;
            }
            String node = name.substring(0, name.length() - "_kernel_time".length());
            byNode.computeIfAbsent(node, k -> new double[1])[0] += o.get("dur").getAsLong() / 1e3;
            JsonObject args = o.getAsJsonObject("args");
            types.put(node, args != null && args.has("op_name") ? args.get("op_name").getAsString() : "?");
        }
        List<Op> ops = new ArrayList<>();
        byNode.forEach((node, total) -> ops.add(new Op(node, types.get(node), total[0] / passes)));
        return new RuntimeProfile(ImmutableList.copyOf(ops), run, passes);
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsString() : null;
    }

    /** @return the summed kernel time per pass, ms */
    public double kernelMs() {
        return ops.stream().mapToDouble(Op::ms).sum();
    }

    /**
     * @param op a kernel
     * @return its operator type, e.g. {@code FusedConv}
     */
    public static String opType(Op op) {
        return op.type();
    }

    /**
     * The part of a network a node or layer path belongs to: a ResNet stage ({@code layer2}) when the path
     * names one, else the path itself without DJL's child-order prefixes ({@code 01backbone_04conv1} →
     * {@code backbone_conv1}); an ONNX node's operator suffix ({@code /Conv_2}) is dropped first.
     *
     * @param nameOrPath an ONNX node name or a DJL layer path
     * @return its part
     */
    public static String part(String nameOrPath) {
        String path = nameOrPath.contains("/") ? nameOrPath.substring(0, nameOrPath.indexOf('/')) : nameOrPath;
        java.util.regex.Matcher stage = STAGE.matcher(path);
        return stage.find() ? stage.group(1) : path.replaceAll("(^|_)\\d{2}", "$1");
    }

    private static final java.util.regex.Pattern STAGE = java.util.regex.Pattern.compile("(?:^|_)\\d*(layer\\d+)");

    /**
     * Kernel time summed per group, in order of first appearance.
     *
     * @param group names a kernel's group (e.g. {@link #opType}, or a stage read from the node name)
     * @return group → {kernels, ms per pass}
     */
    public Map<String, double[]> byGroup(Function<Op, String> group) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (Op op : ops) {
            double[] s = sums.computeIfAbsent(group.apply(op), k -> new double[2]);
            s[0]++;
            s[1] += op.ms();
        }
        return sums;
    }

    /** @return a one-line summary: run time, kernel time and the runtime's share between kernels */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.3f ms per pass (%d passes): kernels %.3f ms (%d), between kernels %.3f ms",
                runMs, passes, kernelMs(), ops.size(), runMs - kernelMs());
    }
}
