package ai.djl.pruning.examples.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import com.google.common.hash.Hashing;
import com.google.common.io.MoreFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.testng.annotations.Test;

/** The download path, run against a local {@code file:} archive laid out like the official one. */
public class Cifar10DownloadTest {

    @Test
    @SuppressWarnings("deprecation")
    public void downloadsVerifiesAndExtracts() throws Exception {
        Path archive = officialLikeArchive(3);
        String md5 = MoreFiles.asByteSource(archive).hash(Hashing.md5()).toString();
        Path target = Files.createTempDirectory("cifar-target");
        Cifar10Download.fetch(archive.toUri(), md5, target);
        Cifar10Files files = Cifar10Files.in(target).orElseThrow();
        assertEquals(files.trainFiles().size(), 5);
        assertEquals(Files.readAllBytes(files.testFile()), SyntheticCifar.records(0, 3));
        assertEquals(Files.readAllBytes(target.resolve("data_batch_4.bin")), SyntheticCifar.records(4, 3));
        try (Stream<Path> left = Files.list(target)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".")), "temporary files left behind");
        }
    }

    @Test
    public void wrongChecksumLeavesNothing() throws Exception {
        Path archive = officialLikeArchive(2);
        Path target = Files.createTempDirectory("cifar-target");
        IOException e = expectThrows(IOException.class,
                () -> Cifar10Download.fetch(archive.toUri(), "00000000000000000000000000000000", target));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        try (Stream<Path> left = Files.list(target)) {
            assertEquals(left.count(), 0L);
        }
    }

    @Test
    public void unreachableSourceFailsClearly() throws Exception {
        Path target = Files.createTempDirectory("cifar-target");
        Path missing = target.resolve("nowhere.tar.gz");
        expectThrows(IOException.class, () -> Cifar10Download.fetch(missing.toUri(), "x", target));
    }

    /** cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin + batches.meta.txt, gzipped tar. */
    static Path officialLikeArchive(int records) throws IOException {
        Path archive = Files.createTempFile("cifar-10-binary", ".tar.gz");
        try (OutputStream file = Files.newOutputStream(archive);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(file))) {
            for (int f = 0; f <= 5; f++) {
                String name = f == 0 ? "test_batch.bin" : "data_batch_" + f + ".bin";
                put(tar, "cifar-10-batches-bin/" + name, SyntheticCifar.records(f, records));
            }
            put(tar, "cifar-10-batches-bin/batches.meta.txt", "airplane\nautomobile\n".getBytes());
        }
        return archive;
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }
}
