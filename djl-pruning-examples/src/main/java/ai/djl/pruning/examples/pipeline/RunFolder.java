package ai.djl.pruning.examples.pipeline;

import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.io.AtomicFiles;
import com.google.common.base.Preconditions;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The output folder of one pipeline run: which file each step writes, written atomically, so that a step
 * whose file exists is done. The folder belongs to one pipeline ({@code pipeline.json}); running another
 * pipeline into it is refused rather than mixing results.
 */
public final class RunFolder {

    /** The pipeline that owns the folder. */
    public static final String SPEC = "pipeline.json";
    /** Profile step: the original model's accuracy. */
    public static final String PROFILE = "profile.json";
    /** Scan step: the sensitivity scan. */
    public static final String SCAN = "scan.json";
    /** Allocate step: the sparsity plan. */
    public static final String PLAN = "plan.json";
    /** Fine-grained prune step: the masks. */
    public static final String MASKS = "masks.bin";
    /** Prune step: accuracy right after pruning. */
    public static final String PRUNED = "pruned.json";
    /** Channel prune step: the pruned model (architecture + parameters). */
    public static final String PRUNED_MODEL = "pruned-model";
    /** Channel prune step: every criterion tried. */
    public static final String VARIANTS = "variants.json";
    /** Fine-tune step: the training run's checkpoints. */
    public static final String FINETUNE = "finetune";
    /** Measure step: original vs compressed. */
    public static final String MEASURE = "measure.json";
    /** Measure step: per-layer comparison. */
    public static final String LAYERS = "layers.json";
    /** Plot: sensitivity curves. */
    public static final String PLOT_SENSITIVITY = "plots/sensitivity.png";
    /** Plot: weight histograms of the original. */
    public static final String PLOT_WEIGHTS_ORIGINAL = "plots/weights-original.png";
    /** Plot: weight histograms of the compressed model (nonzero weights). */
    public static final String PLOT_WEIGHTS_COMPRESSED = "plots/weights-compressed.png";
    /** Plot: parameters per layer, original vs compressed. */
    public static final String PLOT_PARAMS = "plots/parameters.png";
    /** Plot: accuracy per fine-tuning epoch. */
    public static final String PLOT_EPOCHS = "plots/finetune.png";
    /** Plot: accuracy vs MACs of every variant. */
    public static final String PLOT_VARIANTS = "plots/accuracy-vs-macs.png";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private final Path dir;

    /**
     * Wraps a folder (created on {@link #claim}).
     *
     * @param dir the folder
     */
    public RunFolder(Path dir) {
        this.dir = Preconditions.checkNotNull(dir, "dir");
    }

    /** @return the folder */
    public Path dir() {
        return dir;
    }

    /** @return the HTML report */
    public Path report() {
        return dir.resolve("report.html");
    }

    /**
     * Resolves a file of the folder.
     *
     * @param name one of this class's names
     * @return the path
     */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /**
     * Creates the folder for a pipeline, or checks that it already belongs to the same pipeline.
     *
     * @param spec the pipeline
     * @throws IOException if the folder cannot be written
     * @throws IllegalArgumentException if the folder holds another pipeline's results
     */
    void claim(PipelineSpec spec) throws IOException {
        Files.createDirectories(dir);
        Path owner = file(SPEC);
        if (Files.isRegularFile(owner)) {
            Preconditions.checkArgument(PipelineSpec.fromJson(Files.readString(owner)).equals(spec),
                    "output folder %s holds the results of a different pipeline (see its %s); use another output "
                            + "folder or delete it", dir, SPEC);
        } else {
            writeString(SPEC, spec.toJson());
        }
    }

    void writeString(String name, String text) throws IOException {
        Path f = file(name);
        Files.createDirectories(f.getParent());
        AtomicFiles.write(f, o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    private <T> Optional<T> read(String name, java.lang.reflect.Type type) throws IOException {
        Path f = file(name);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        T value = GSON.fromJson(Files.readString(f), type);
        Preconditions.checkState(value != null, "%s is empty; delete it to rerun its step", f);
        return Optional.of(value);
    }

    Optional<AccuracyResult> readAccuracy(String name) throws IOException {
        return read(name, AccuracyResult.class);
    }

    void writeAccuracy(String name, AccuracyResult accuracy) throws IOException {
        writeString(name, GSON.toJson(accuracy));
    }

    List<RunSummary.Variant> readVariants() throws IOException {
        return this.<List<RunSummary.Variant>>read(VARIANTS, new TypeToken<List<RunSummary.Variant>>() {}.getType())
                .orElse(List.of());
    }

    void writeVariants(List<RunSummary.Variant> variants) throws IOException {
        writeString(VARIANTS, GSON.toJson(variants));
    }

    Optional<RunSummary.Measurement> readMeasurement() throws IOException {
        return read(MEASURE, RunSummary.Measurement.class);
    }

    void writeMeasurement(RunSummary.Measurement m) throws IOException {
        writeString(MEASURE, GSON.toJson(m));
    }

    List<RunSummary.LayerRow> readLayers() throws IOException {
        return this.<List<RunSummary.LayerRow>>read(LAYERS, new TypeToken<List<RunSummary.LayerRow>>() {}.getType())
                .orElse(List.of());
    }

    void writeLayers(List<RunSummary.LayerRow> rows) throws IOException {
        writeString(LAYERS, GSON.toJson(rows));
    }
}
