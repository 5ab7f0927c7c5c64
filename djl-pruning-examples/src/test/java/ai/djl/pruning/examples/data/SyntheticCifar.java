package ai.djl.pruning.examples.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Writes small CIFAR-10 binary files with known contents. */
final class SyntheticCifar {

    private SyntheticCifar() {}

    /** Record i of file f has label (f + i) % 10 and pixel p = (i * 31 + p + f) % 256. */
    static byte[] records(int file, int count) {
        byte[] out = new byte[count * Cifar10Files.RECORD_BYTES];
        for (int i = 0; i < count; i++) {
            int o = i * Cifar10Files.RECORD_BYTES;
            out[o] = (byte) ((file + i) % 10);
            for (int p = 0; p < 3072; p++) {
                out[o + 1 + p] = (byte) ((i * 31 + p + file) % 256);
            }
        }
        return out;
    }

    /** Writes data_batch_1..5.bin (files 1..5) and test_batch.bin (file 0) with {@code count} records each. */
    static Path folder(int count) throws IOException {
        Path dir = Files.createTempDirectory("cifar-synthetic");
        for (int f = 1; f <= 5; f++) {
            Files.write(dir.resolve("data_batch_" + f + ".bin"), records(f, count));
        }
        Files.write(dir.resolve("test_batch.bin"), records(0, count));
        return dir;
    }

    /** Random images with random labels, for training smoke tests. */
    static Path random(int count, long seed) throws IOException {
        Random r = new Random(seed);
        Path dir = Files.createTempDirectory("cifar-random");
        for (String name : new String[] {"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                "data_batch_5", "test_batch"}) {
            byte[] data = new byte[count * Cifar10Files.RECORD_BYTES];
            r.nextBytes(data);
            for (int i = 0; i < count; i++) {
                data[i * Cifar10Files.RECORD_BYTES] = (byte) r.nextInt(10);
            }
            Files.write(dir.resolve(name + ".bin"), data);
        }
        return dir;
    }
}
