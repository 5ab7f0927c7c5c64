package ai.djl.pruning.examples.train;

import ai.djl.nn.Block;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.io.ParameterFiles;
import ai.djl.pruning.unstructured.PruningMasks;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoints of a training run in one folder: per epoch {@code epoch-NNN.params} (DJL parameters),
 * {@code epoch-NNN.masks} (the pruning masks held, if any) and {@code epoch-NNN.json} (the history so
 * far); within an epoch, one {@code step.*} checkpoint that also records the epoch and the steps done.
 * Every file is written atomically, the JSON last, so a checkpoint counts only once it is complete; a run
 * killed at any moment resumes from the newest complete one. Older epoch checkpoints than the newest two
 * are removed, and the step checkpoint once its epoch is complete.
 */
public final class CheckpointStore {

    private static final Pattern NAME = Pattern.compile("epoch-(\\d+)\\.json");
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private final Path dir;

    /**
     * Uses a folder for checkpoints.
     *
     * @param dir the folder (created when the first checkpoint is written)
     */
    public CheckpointStore(Path dir) {
        this.dir = dir;
    }

    /** @return the folder */
    public Path directory() {
        return dir;
    }

    /**
     * Writes the checkpoint of an epoch with the masks held.
     *
     * @param block the trained block
     * @param history every epoch so far; its last entry is the epoch saved
     * @param masks the masks held during training, or null
     * @throws IOException on write errors
     */
    public void save(Block block, List<EpochRecord> history, PruningMasks masks) throws IOException {
        int epoch = history.get(history.size() - 1).epoch();
        ParameterFiles.save(block, params(epoch));
        saveMasks(masks, masks(epoch));
        String json = GSON.toJson(history);
        AtomicFiles.write(json(epoch), out -> out.write(json.getBytes(StandardCharsets.UTF_8)));
        for (int old : epochs()) {
            if (old < epoch - 1) {
                Files.deleteIfExists(json(old));
                Files.deleteIfExists(params(old));
                Files.deleteIfExists(masks(old));
            }
        }
        for (String ext : new String[] {".json", ".params", ".masks"}) {
            Files.deleteIfExists(dir.resolve("step" + ext));
        }
    }

    /**
     * Where a run stopped inside an epoch.
     *
     * @param epoch the epoch in progress (1-based)
     * @param steps training steps of that epoch already done
     * @param history the complete epochs before it
     */
    public record StepPoint(int epoch, int steps, List<EpochRecord> history) {}

    /**
     * Writes the checkpoint of a point inside an epoch (replacing the previous one).
     *
     * @param block the trained block
     * @param point the epoch and steps done, with the history of the complete epochs
     * @param masks the masks held during training, or null
     * @throws IOException on write errors
     */
    public void saveStep(Block block, StepPoint point, PruningMasks masks) throws IOException {
        Files.deleteIfExists(dir.resolve("step.json")); // the old point stops counting before its files change
        ParameterFiles.save(block, dir.resolve("step.params"));
        saveMasks(masks, dir.resolve("step.masks"));
        String json = GSON.toJson(point);
        AtomicFiles.write(dir.resolve("step.json"), out -> out.write(json.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Returns the step checkpoint if it is newer than every epoch checkpoint.
     *
     * @return the point, if any
     * @throws IOException if it cannot be read
     */
    public Optional<StepPoint> latestStep() throws IOException {
        Path json = dir.resolve("step.json");
        if (!Files.isRegularFile(json)) {
            return Optional.empty();
        }
        StepPoint point = GSON.fromJson(Files.readString(json, StandardCharsets.UTF_8), StepPoint.class);
        return point.epoch() > latest().orElse(0) ? Optional.of(point) : Optional.empty();
    }

    /**
     * Loads the step checkpoint's parameters into the block.
     *
     * @param block the block to load into
     * @return the masks held at that point, if they were saved
     * @throws IOException if the files cannot be read
     * @throws CheckpointException if the parameters do not fit the block
     */
    public Optional<PruningMasks> restoreStep(Block block) throws IOException, CheckpointException {
        ParameterFiles.load(dir.resolve("step.params"), block);
        return loadMasks(dir.resolve("step.masks"));
    }

    /**
     * Returns the masks saved with an epoch's checkpoint.
     *
     * @param epoch the epoch
     * @return the masks, if they were saved
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if it is not a mask file
     */
    public Optional<PruningMasks> masksOf(int epoch) throws IOException, CheckpointException {
        return loadMasks(masks(epoch));
    }

    private static void saveMasks(PruningMasks masks, Path file) throws IOException {
        if (masks != null) {
            masks.save(file);
        } else {
            Files.deleteIfExists(file);
        }
    }

    private static Optional<PruningMasks> loadMasks(Path file) throws IOException, CheckpointException {
        return Files.isRegularFile(file) ? Optional.of(PruningMasks.load(file)) : Optional.empty();
    }

    /**
     * @return the complete epochs so far, without loading parameters (empty when nothing was saved)
     * @throws IOException if a file cannot be read
     */
    public List<EpochRecord> history() throws IOException {
        Optional<Integer> epoch = latest();
        if (epoch.isEmpty() || !Files.isRegularFile(json(epoch.get()))) {
            return List.of();
        }
        return GSON.fromJson(Files.readString(json(epoch.get()), StandardCharsets.UTF_8),
                new TypeToken<List<EpochRecord>>() {}.getType());
    }

    /** @return the newest complete checkpoint's epoch, if any */
    public Optional<Integer> latest() throws IOException {
        return epochs().stream().filter(e -> Files.isRegularFile(params(e))).max(Integer::compare);
    }

    /**
     * Loads a checkpoint into the block and returns its history.
     *
     * @param epoch the checkpoint's epoch
     * @param block the block to load into
     * @return the history up to that epoch
     * @throws IOException if the files cannot be read
     * @throws CheckpointException if the parameters do not fit the block
     */
    public List<EpochRecord> restore(int epoch, Block block) throws IOException, CheckpointException {
        ParameterFiles.load(params(epoch), block);
        return GSON.fromJson(Files.readString(json(epoch), StandardCharsets.UTF_8),
                new TypeToken<List<EpochRecord>>() {}.getType());
    }

    /**
     * Returns the parameter file of an epoch.
     *
     * @param epoch the epoch
     * @return its path
     */
    public Path params(int epoch) {
        return dir.resolve(String.format("epoch-%03d.params", epoch));
    }

    private Path masks(int epoch) {
        return dir.resolve(String.format("epoch-%03d.masks", epoch));
    }

    private Path json(int epoch) {
        return dir.resolve(String.format("epoch-%03d.json", epoch));
    }

    private List<Integer> epochs() throws IOException {
        List<Integer> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (m.matches()) {
                    out.add(Integer.parseInt(m.group(1)));
                }
            });
        }
        return out;
    }
}
