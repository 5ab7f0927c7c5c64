package ai.djl.pruning.examples.pipeline;

import ai.djl.pruning.examples.pipeline.PipelineStep.Allocate;
import ai.djl.pruning.examples.pipeline.PipelineStep.FineTune;
import ai.djl.pruning.examples.pipeline.PipelineStep.Measure;
import ai.djl.pruning.examples.pipeline.PipelineStep.Method;
import ai.djl.pruning.examples.pipeline.PipelineStep.Profile;
import ai.djl.pruning.examples.pipeline.PipelineStep.Prune;
import ai.djl.pruning.examples.pipeline.PipelineStep.Report;
import ai.djl.pruning.examples.pipeline.PipelineStep.Scan;
import ai.djl.pruning.examples.zoo.CifarModel;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A compression pipeline as a value: which model, which data, which steps with which options, and where
 * the results go. Written and read as JSON; {@link Pipeline} runs it.
 *
 * <pre>{@code
 * PipelineSpec spec = PipelineSpec.builder("resnet20")
 *         .addStep(new PipelineStep.Profile())
 *         .addStep(new PipelineStep.Scan(500, ImmutableList.of(0.5, 0.7, 0.9)))
 *         .addStep(new PipelineStep.Allocate(0.3))
 *         .addStep(PipelineSpec.fineGrained())
 *         .addStep(new PipelineStep.FineTune(1, 0.01f, null, null))
 *         .addStep(new PipelineStep.Measure(true))
 *         .addStep(new PipelineStep.Report())
 *         .optOutput(Paths.get("runs/my-pipeline"))
 *         .build();
 * new Pipeline(spec).run(System.out);
 * }</pre>
 *
 * <p>The same pipeline as JSON (every option shown; omitted options take these defaults):
 *
 * <pre>{@code
 * {"model": {"zoo": "resnet20"}, "output": "runs/my-pipeline",
 *  "data": {"testImages": null, "dir": null},
 *  "steps": [{"step": "profile"},
 *            {"step": "scan", "images": 500, "sparsities": [0.5, 0.7, 0.9]},
 *            {"step": "allocate", "budget": 0.3},
 *            {"step": "prune", "method": "fine-grained"},
 *            {"step": "finetune", "epochs": 1, "lr": 0.01, "trainImages": null, "teacher": null},
 *            {"step": "measure", "latency": true},
 *            {"step": "report"}]}
 * }</pre>
 *
 * A model is a zoo name with optional weights ({@code {"zoo": "resnet56", "weights": "w.th"}}), or a
 * TorchScript ({@code .pt}) or ONNX ({@code .onnx}) file ({@code {"file": "model.onnx"}}).
 */
public final class PipelineSpec {

    /** Where the model comes from. */
    public record ModelSource(String zoo, Path weights, Path file) {
        /** Validates that exactly one of zoo and file is given. */
        public ModelSource {
            Preconditions.checkArgument(zoo == null ^ file == null,
                    "model: give either a zoo name or a file (TorchScript .pt or ONNX .onnx), not %s",
                    zoo == null ? "neither" : "both");
            Preconditions.checkArgument(weights == null || zoo != null, "model: 'weights' goes with a zoo model");
            if (zoo != null) {
                CifarModel.of(zoo); // fails with the list of known names
            } else {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                Preconditions.checkArgument(name.endsWith(".onnx") || name.endsWith(".pt") || name.endsWith(".pth"),
                        "model: file %s is neither ONNX (.onnx) nor TorchScript (.pt)", file);
            }
        }

        /** @return a short name for reports and folders */
        public String name() {
            if (zoo != null) {
                return CifarModel.of(zoo).modelName();
            }
            String n = file.getFileName().toString();
            return n.substring(0, n.lastIndexOf('.'));
        }
    }

    private final ModelSource model;
    private final Path dataDir;
    private final Long testImages;
    private final Path output;
    private final ImmutableList<PipelineStep> steps;

    private PipelineSpec(Builder b) {
        this.model = b.model;
        this.dataDir = b.dataDir;
        this.testImages = b.testImages;
        Preconditions.checkArgument(testImages == null || testImages > 0,
                "data: testImages must be positive, got %s", testImages);
        this.output = b.output == null ? Paths.get("runs", "pipeline-" + model.name()) : b.output;
        this.steps = ImmutableList.copyOf(b.steps);
        PipelineStep.checkOrder(steps);
    }

    /**
     * The default pipeline: profile → quick scan on 500 test images → allocate to 30% size → fine-grained
     * prune → 1 fine-tuning epoch → measure → report.
     *
     * @param zooModel a zoo model name (pretrained weights)
     * @return the default pipeline for that model
     */
    public static PipelineSpec defaults(String zooModel) {
        return builder(zooModel).addStep(new Profile())
                .addStep(new Scan(500, ImmutableList.of(0.5, 0.7, 0.9)))
                .addStep(new Allocate(0.3))
                .addStep(fineGrained())
                .addStep(new FineTune(1, 0.01f, null, null))
                .addStep(new Measure(true))
                .addStep(new Report())
                .build();
    }

    /** @return a fine-grained prune step using the allocation */
    public static Prune fineGrained() {
        return new Prune(Method.FINE_GRAINED, null, ImmutableList.of(), 1, 1);
    }

    /**
     * A channel prune step.
     *
     * @param macs target MACs as a fraction of the original
     * @param criteria importance criteria to try
     * @return the step
     */
    public static Prune channel(double macs, String... criteria) {
        return new Prune(Method.CHANNEL, null, ImmutableList.copyOf(criteria), macs, 1);
    }

    /**
     * Starts a pipeline for a zoo model.
     *
     * @param zooModel zoo name
     * @return a builder
     */
    public static Builder builder(String zooModel) {
        return new Builder(new ModelSource(zooModel, null, null));
    }

    /**
     * Starts a pipeline for any model source.
     *
     * @param model the model
     * @return a builder
     */
    public static Builder builder(ModelSource model) {
        return new Builder(model);
    }

    /** @return the model */
    public ModelSource model() {
        return model;
    }

    /** @return the CIFAR-10 folder, or {@code null} to search for it */
    public Path dataDir() {
        return dataDir;
    }

    /** @return evaluate on the first N test images only, or {@code null} for all 10,000 */
    public Long testImages() {
        return testImages;
    }

    /** @return the output folder */
    public Path output() {
        return output;
    }

    /** @return the steps in order */
    public ImmutableList<PipelineStep> steps() {
        return steps;
    }

    /**
     * Reads a pipeline from a JSON file.
     *
     * @param file the file
     * @return the pipeline
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and the first problem in it
     */
    public static PipelineSpec read(Path file) throws IOException {
        Preconditions.checkArgument(Files.isRegularFile(file), "pipeline file %s does not exist", file);
        try {
            return fromJson(Files.readString(file));
        } catch (IllegalArgumentException | IllegalStateException | JsonParseException | ClassCastException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a pipeline; unknown keys are errors, so that a typo does not silently fall back to a default.
     *
     * @param json the JSON text
     * @return the pipeline
     */
    public static PipelineSpec fromJson(String json) {
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        keys(o, "pipeline", "model", "data", "output", "steps");
        Preconditions.checkArgument(o.has("model"), "pipeline: 'model' is missing");
        JsonObject m = o.get("model").isJsonPrimitive() ? zooObject(o.get("model").getAsString())
                : o.getAsJsonObject("model");
        keys(m, "model", "zoo", "weights", "file");
        Builder b = new Builder(new ModelSource(string(m, "zoo"), path(m, "weights"), path(m, "file")));
        if (o.has("data")) {
            JsonObject d = o.getAsJsonObject("data");
            keys(d, "data", "dir", "testImages");
            b.optDataDir(path(d, "dir"));
            b.optTestImages(d.has("testImages") && !d.get("testImages").isJsonNull() ? d.get("testImages").getAsLong() : null);
        }
        b.optOutput(path(o, "output"));
        Preconditions.checkArgument(o.has("steps"), "pipeline: 'steps' is missing");
        for (JsonElement e : o.getAsJsonArray("steps")) {
            b.addStep(step(e.getAsJsonObject()));
        }
        return b.build();
    }

    private static JsonObject zooObject(String name) {
        JsonObject z = new JsonObject();
        z.addProperty("zoo", name);
        return z;
    }

    private static PipelineStep step(JsonObject s) {
        Preconditions.checkArgument(s.has("step"), "every step needs a \"step\" name, got %s", s);
        String name = s.get("step").getAsString();
        PipelineStep.Kind kind = null;
        for (PipelineStep.Kind k : PipelineStep.Kind.values()) {
            if (k.key().equals(name)) {
                kind = k;
            }
        }
        Preconditions.checkArgument(kind != null, "unknown step '%s'; steps: %s", name,
                ImmutableList.copyOf(PipelineStep.Kind.values()).stream().map(PipelineStep.Kind::key).toList());
        switch (kind) {
            case PROFILE -> {
                keys(s, name, "step");
                return new Profile();
            }
            case SCAN -> {
                keys(s, name, "step", "images", "sparsities");
                List<Double> grid = new ArrayList<>();
                if (s.has("sparsities")) {
                    s.getAsJsonArray("sparsities").forEach(x -> grid.add(x.getAsDouble()));
                } else {
                    grid.addAll(List.of(0.5, 0.7, 0.9));
                }
                return new Scan(s.has("images") ? s.get("images").getAsInt() : 500, ImmutableList.copyOf(grid));
            }
            case ALLOCATE -> {
                keys(s, name, "step", "budget");
                return new Allocate(s.has("budget") ? s.get("budget").getAsDouble() : 0.3);
            }
            case PRUNE -> {
                keys(s, name, "step", "method", "sparsity", "criteria", "macs", "roundTo");
                Method method = Method.of(s.has("method") ? s.get("method").getAsString() : "fine-grained");
                List<String> criteria = new ArrayList<>();
                if (s.has("criteria")) {
                    s.getAsJsonArray("criteria").forEach(x -> criteria.add(x.getAsString()));
                } else if (method == Method.CHANNEL) {
                    criteria.add("l1");
                }
                Preconditions.checkArgument(method == Method.CHANNEL || (criteria.isEmpty() && !s.has("macs")),
                        "prune: 'criteria' and 'macs' are for channel pruning");
                return new Prune(method, s.has("sparsity") ? s.get("sparsity").getAsDouble() : null,
                        ImmutableList.copyOf(criteria), s.has("macs") ? s.get("macs").getAsDouble() : method == Method.CHANNEL ? 0.5 : 1,
                        s.has("roundTo") ? s.get("roundTo").getAsInt() : 1);
            }
            case FINETUNE -> {
                keys(s, name, "step", "epochs", "lr", "trainImages", "teacher");
                return new FineTune(s.has("epochs") ? s.get("epochs").getAsInt() : 1,
                        s.has("lr") ? s.get("lr").getAsFloat() : 0.01f,
                        s.has("trainImages") && !s.get("trainImages").isJsonNull() ? s.get("trainImages").getAsLong() : null,
                        string(s, "teacher"));
            }
            case MEASURE -> {
                keys(s, name, "step", "latency");
                return new Measure(!s.has("latency") || s.get("latency").getAsBoolean());
            }
            default -> {
                keys(s, name, "step");
                return new Report();
            }
        }
    }

    private static void keys(JsonObject o, String where, String... allowed) {
        Set<String> ok = ImmutableSet.copyOf(allowed);
        for (String k : o.keySet()) {
            Preconditions.checkArgument(ok.contains(k), "%s: unknown key '%s' (known: %s)", where, k, ok);
        }
    }

    private static String string(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : null;
    }

    private static Path path(JsonObject o, String key) {
        String s = string(o, key);
        return s == null ? null : Paths.get(s);
    }

    /** @return the pipeline as JSON, with every option spelled out; {@link #fromJson} reads it back */
    public String toJson() {
        JsonObject o = new JsonObject();
        JsonObject m = new JsonObject();
        putIfSet(m, "zoo", model.zoo());
        putIfSet(m, "weights", model.weights());
        putIfSet(m, "file", model.file());
        o.add("model", m);
        JsonObject d = new JsonObject();
        putIfSet(d, "dir", dataDir);
        if (testImages != null) {
            d.addProperty("testImages", testImages);
        }
        o.add("data", d);
        o.addProperty("output", output.toString());
        JsonArray a = new JsonArray();
        for (PipelineStep s : steps) {
            JsonObject j = new JsonObject();
            j.addProperty("step", s.kind().key());
            if (s instanceof Scan sc) {
                j.addProperty("images", sc.images());
                JsonArray g = new JsonArray();
                sc.sparsities().forEach(g::add);
                j.add("sparsities", g);
            } else if (s instanceof Allocate al) {
                j.addProperty("budget", al.budget());
            } else if (s instanceof Prune p) {
                j.addProperty("method", p.method().key());
                if (p.sparsity() != null) {
                    j.addProperty("sparsity", p.sparsity());
                }
                if (p.method() == Method.CHANNEL) {
                    JsonArray c = new JsonArray();
                    p.criteria().forEach(c::add);
                    j.add("criteria", c);
                    j.addProperty("macs", p.macs());
                    j.addProperty("roundTo", p.roundTo());
                }
            } else if (s instanceof FineTune f) {
                j.addProperty("epochs", f.epochs());
                j.add("lr", new JsonPrimitive(f.learningRate()));
                if (f.trainImages() != null) {
                    j.addProperty("trainImages", f.trainImages());
                }
                putIfSet(j, "teacher", f.teacher());
            } else if (s instanceof Measure me) {
                j.addProperty("latency", me.latency());
            }
            a.add(j);
        }
        o.add("steps", a);
        return new GsonBuilder().setPrettyPrinting().create().toJson(o);
    }

    private static void putIfSet(JsonObject o, String key, Object value) {
        if (value != null) {
            o.addProperty(key, value.toString());
        }
    }

    /** @return the step of a kind, if the pipeline has it */
    <T extends PipelineStep> java.util.Optional<T> step(Class<T> type) {
        return steps.stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PipelineSpec p && toJson().equals(p.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return toJson();
    }

    /** Builds a {@link PipelineSpec}. */
    public static final class Builder {
        private final ModelSource model;
        private Path dataDir;
        private Long testImages;
        private Path output;
        private final List<PipelineStep> steps = new ArrayList<>();

        private Builder(ModelSource model) {
            this.model = Preconditions.checkNotNull(model, "model");
        }

        /**
         * Sets the CIFAR-10 folder.
         *
         * @param dir the folder with the binary batches, or {@code null} to search
         * @return this builder
         */
        public Builder optDataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /**
         * Evaluates on the first N test images only (quick runs, notebooks, tests).
         *
         * @param n the number of images, or {@code null} for all
         * @return this builder
         */
        public Builder optTestImages(Long n) {
            this.testImages = n;
            return this;
        }

        /**
         * Sets the output folder (default {@code runs/pipeline-<model>}).
         *
         * @param dir the folder
         * @return this builder
         */
        public Builder optOutput(Path dir) {
            this.output = dir;
            return this;
        }

        /**
         * Appends a step.
         *
         * @param step the step
         * @return this builder
         */
        public Builder addStep(PipelineStep step) {
            steps.add(Preconditions.checkNotNull(step, "step"));
            return this;
        }

        /**
         * Replaces the step of the same kind, or adds it.
         *
         * @param step the step
         * @return this builder
         */
        public Builder replaceStep(PipelineStep step) {
            steps.removeIf(s -> s.kind() == step.kind());
            steps.add(step);
            steps.sort(java.util.Comparator.comparing(PipelineStep::kind));
            return this;
        }

        /**
         * Removes the step of a kind.
         *
         * @param kind the kind
         * @return this builder
         */
        public Builder removeStep(PipelineStep.Kind kind) {
            steps.removeIf(s -> s.kind() == kind);
            return this;
        }

        /** @return the pipeline, validated */
        public PipelineSpec build() {
            return new PipelineSpec(this);
        }
    }

    /**
     * A builder holding this pipeline's settings, to change a few.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        Builder b = new Builder(model).optDataDir(dataDir).optTestImages(testImages).optOutput(output);
        steps.forEach(b::addStep);
        return b;
    }
}
