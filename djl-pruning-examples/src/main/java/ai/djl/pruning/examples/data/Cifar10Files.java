package ai.djl.pruning.examples.data;

import ai.djl.pruning.examples.SharedFolder;
import ai.djl.util.Utils;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the CIFAR-10 binary files are: the official {@code data_batch_1.bin} … {@code
 * data_batch_5.bin} and {@code test_batch.bin}, or DJL's layout with the five training batches
 * concatenated into {@code data_batch.bin}.
 *
 * <p>Search order: an explicit folder (command-line option, else system property {@value #PROPERTY},
 * else environment variable {@value #ENV}); {@code ../shared/cifar10}; the DJL cache ({@code <DJL
 * cache>/djl-pruning/cifar10}, then DJL's own basicdataset cache). If none has the files, the official
 * archive is downloaded into the DJL cache and verified, unless DJL runs offline.
 */
public final class Cifar10Files {

    /** System property naming the CIFAR-10 folder. */
    public static final String PROPERTY = "djl.pruning.cifar10";

    /** Environment variable naming the CIFAR-10 folder. */
    public static final String ENV = "CIFAR10_DIR";

    /** Bytes per record: one label byte, then 3×32×32 pixel bytes. */
    public static final int RECORD_BYTES = 1 + 3 * 32 * 32;

    /** The official binary archive. */
    public static final URI OFFICIAL_URL = URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");

    /** MD5 of the official archive, as published beside it. */
    public static final String OFFICIAL_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";

    private final ImmutableList<Path> train;
    private final Path test;

    private Cifar10Files(List<Path> train, Path test) {
        this.train = ImmutableList.copyOf(train);
        this.test = test;
    }

    /** @return the training batch files, in order */
    public ImmutableList<Path> trainFiles() {
        return train;
    }

    /** @return the test batch file */
    public Path testFile() {
        return test;
    }

    /**
     * Reads the files of a folder if it holds a complete dataset.
     *
     * @param dir a folder
     * @return the files, or empty if the folder lacks some
     */
    public static Optional<Cifar10Files> in(Path dir) {
        Path test = dir.resolve("test_batch.bin");
        if (!Files.isRegularFile(test)) {
            return Optional.empty();
        }
        List<Path> train = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            train.add(dir.resolve("data_batch_" + i + ".bin"));
        }
        if (train.stream().allMatch(Files::isRegularFile)) {
            return Optional.of(new Cifar10Files(train, test));
        }
        Path concatenated = dir.resolve("data_batch.bin");
        if (Files.isRegularFile(concatenated)) {
            return Optional.of(new Cifar10Files(List.of(concatenated), test));
        }
        return Optional.empty();
    }

    /**
     * Finds the dataset, downloading it if allowed and nothing local is found.
     *
     * @param explicit a folder given by the user, or null
     * @return the files
     * @throws IOException naming every place searched, if the dataset is nowhere and cannot be downloaded
     */
    public static Cifar10Files locate(Path explicit) throws IOException {
        Path chosen = explicit;
        if (chosen == null) {
            String p = System.getProperty(PROPERTY, System.getenv(ENV));
            chosen = p == null || p.isBlank() ? null : Paths.get(p);
        }
        if (chosen != null) {
            Path dir = chosen;
            return in(dir).orElseThrow(() -> new IOException(
                    "no CIFAR-10 binary files in " + dir.toAbsolutePath()
                            + " (need data_batch_1.bin … data_batch_5.bin or data_batch.bin, and test_batch.bin)"));
        }
        List<Path> searched = new ArrayList<>();
        SharedFolder.locate().ifPresent(s -> searched.add(s.resolve("cifar10")));
        Path cache = cacheDir();
        searched.add(cache);
        searched.add(Utils.getCacheDir().resolve("cache/repo/dataset/cv/ai/djl/basicdataset/cifar10/1.0"));
        for (Path dir : searched) {
            Optional<Cifar10Files> found = in(dir);
            if (found.isPresent()) {
                return found.get();
            }
        }
        if (Utils.isOfflineMode()) {
            throw new IOException("CIFAR-10 not found (searched " + searched + ") and DJL is offline "
                    + "(ai.djl.offline=true), so it was not downloaded. Put data_batch_1.bin … data_batch_5.bin "
                    + "and test_batch.bin (from " + OFFICIAL_URL + ") in " + cache
                    + ", or pass --data DIR / -D" + PROPERTY + "=DIR.");
        }
        try {
            Cifar10Download.fetch(OFFICIAL_URL, OFFICIAL_MD5, cache);
        } catch (IOException e) {
            throw new IOException("CIFAR-10 not found (searched " + searched + ") and the download from "
                    + OFFICIAL_URL + " failed (" + e.getMessage() + "). Put data_batch_1.bin … data_batch_5.bin "
                    + "and test_batch.bin in " + cache + ", or pass --data DIR.", e);
        }
        return in(cache).orElseThrow(() -> new IOException("download finished but " + cache + " is incomplete"));
    }

    /** @return the folder the dataset is downloaded into */
    public static Path cacheDir() {
        return Utils.getCacheDir().resolve("djl-pruning").resolve("cifar10");
    }
}
