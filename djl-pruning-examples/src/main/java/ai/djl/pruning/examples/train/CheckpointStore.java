package ai.djl.pruning.examples.train;

import ai.djl.nn.Block;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.io.ParameterFiles;
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
 * Per-epoch checkpoints of a training run in one folder: {@code epoch-NNN.params} (DJL parameters)
 * and {@code epoch-NNN.json} (the history so far). Both are written atomically, the JSON last, so a
 * checkpoint counts only once both are complete; a run killed at any moment resumes from the newest
 * complete one. Older checkpoints than the newest two are removed.
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
     * Writes the checkpoint of an epoch.
     *
     * @param block the trained block
     * @param history every epoch so far; its last entry is the epoch saved
     * @throws IOException on write errors
     */
    public void save(Block block, List<EpochRecord> history) throws IOException {
        int epoch = history.get(history.size() - 1).epoch();
        ParameterFiles.save(block, params(epoch));
        String json = GSON.toJson(history);
        AtomicFiles.write(json(epoch), out -> out.write(json.getBytes(StandardCharsets.UTF_8)));
        for (int old : epochs()) {
            if (old < epoch - 1) {
                Files.deleteIfExists(json(old));
                Files.deleteIfExists(params(old));
            }
        }
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
        String json = Files.readString(json(epoch), StandardCharsets.UTF_8);
        return GSON.fromJson(json, new TypeToken<List<EpochRecord>>() {}.getType());
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
