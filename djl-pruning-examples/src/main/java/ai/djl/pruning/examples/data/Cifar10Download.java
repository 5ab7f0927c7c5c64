package ai.djl.pruning.examples.data;

import com.google.common.hash.Hashing;
import com.google.common.io.MoreFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Downloads the CIFAR-10 binary archive, verifies its MD5 and extracts the batch files.
 *
 * <p>Works for any URL Java can open ({@code https:}, {@code file:}); files appear in the target
 * folder only after the checksum matched, each moved into place atomically.
 */
public final class Cifar10Download {

    private static final Set<String> WANTED = Set.of(
            "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
            "data_batch_5.bin", "test_batch.bin", "batches.meta.txt");

    private Cifar10Download() {}

    /**
     * Fetches and extracts the archive.
     *
     * @param url where the {@code .tar.gz} archive is
     * @param md5 its expected MD5 (hex)
     * @param targetDir the folder that receives the batch files
     * @throws IOException if the download fails, the checksum differs or the archive lacks files
     */
    @SuppressWarnings("deprecation") // MD5 is what the dataset's publishers give
    public static void fetch(URI url, String md5, Path targetDir) throws IOException {
        Files.createDirectories(targetDir);
        Path archive = Files.createTempFile(targetDir, ".cifar-10-binary", ".tar.gz");
        Path staging = Files.createTempDirectory(targetDir, ".extract");
        try {
            try (InputStream in = url.toURL().openStream()) {
                Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
            }
            String actual = MoreFiles.asByteSource(archive).hash(Hashing.md5()).toString();
            if (!actual.equalsIgnoreCase(md5)) {
                throw new IOException("checksum mismatch for " + url + ": MD5 " + actual + ", expected " + md5);
            }
            int found = 0;
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new GzipCompressorInputStream(new BufferedInputStream(Files.newInputStream(archive))))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    String name = Path.of(entry.getName()).getFileName().toString();
                    if (entry.isFile() && WANTED.contains(name)) {
                        Files.copy(tar, staging.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                        found++;
                    }
                }
            }
            if (Cifar10Files.in(staging).isEmpty()) {
                throw new IOException(url + " does not contain the CIFAR-10 batch files (found " + found + " of them)");
            }
            try (var files = Files.list(staging)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.move(f, targetDir.resolve(f.getFileName()),
                            StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } finally {
            Files.deleteIfExists(archive);
            MoreFiles.deleteRecursively(staging);
        }
    }
}
