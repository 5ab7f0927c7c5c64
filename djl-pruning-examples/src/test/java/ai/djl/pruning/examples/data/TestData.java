package ai.djl.pruning.examples.data;

import java.io.IOException;
import java.nio.file.Path;

/** Synthetic CIFAR-10 folders for tests of other packages. */
public final class TestData {

    private TestData() {}

    /**
     * Writes a small folder with known contents (four records per file).
     *
     * @return the folder
     * @throws IOException on write errors
     */
    public static Path synthetic() throws IOException {
        return SyntheticCifar.folder(4);
    }

    /**
     * Writes random images with random labels.
     *
     * @param recordsPerFile records in each of the six batch files
     * @param seed random seed
     * @return the folder
     * @throws IOException on write errors
     */
    public static Path randomCifar(int recordsPerFile, long seed) throws IOException {
        return SyntheticCifar.random(recordsPerFile, seed);
    }
}
