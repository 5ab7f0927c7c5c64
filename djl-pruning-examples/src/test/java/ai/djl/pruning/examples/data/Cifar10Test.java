package ai.djl.pruning.examples.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.testng.annotations.Test;

public class Cifar10Test {

    @Test
    public void testBatchesHoldNormalisedPixelsAndLabelsInOrder() throws Exception {
        Path dir = SyntheticCifar.folder(10);
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(dir).setSampling(4, false).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Batch> batches = new ArrayList<>();
            test.getData(manager).forEach(batches::add);
            assertEquals(batches.size(), 3); // 4 + 4 + 2
            Batch first = batches.get(0);
            assertEquals(first.getData().head().getShape(), new Shape(4, 3, 32, 32));
            assertEquals(first.getLabels().head().toFloatArray(), new float[] {0, 1, 2, 3});
            float[] pixels = first.getData().head().toFloatArray();
            // Record 1, channel 2 (B), row 5, column 7 → pixel index 2*1024 + 5*32 + 7.
            int p = 2 * 1024 + 5 * 32 + 7;
            float raw = (31 + p) % 256;
            assertEquals(pixels[3072 + p], (raw / 255f - Cifar10.MEAN[2]) / Cifar10.STD[2], 1e-6f);
            assertEquals(batches.get(2).getSize(), 2);
            batches.forEach(Batch::close);
        }
    }

    @Test
    public void trainingConcatenatesTheFiveBatchesAndHonoursLimit() throws Exception {
        Path dir = SyntheticCifar.folder(3);
        Cifar10 all = Cifar10.builder().optDirectory(dir).setSampling(8, false).optAugment(false).build();
        all.prepare();
        assertEquals(all.size(), 15);
        assertEquals(all.label(3), 2); // file 2, record 0
        Cifar10 some = Cifar10.builder().optDirectory(dir).setSampling(8, false).optLimit(5).build();
        some.prepare();
        assertEquals(some.size(), 5);
    }

    @Test
    public void augmentationIsSeededAndKeepsLabels() throws Exception {
        Path dir = SyntheticCifar.folder(16);
        float[] a = firstBatch(dir, 7);
        float[] b = firstBatch(dir, 7);
        float[] c = firstBatch(dir, 8);
        assertEquals(a, b, 0f);
        assertFalse(java.util.Arrays.equals(a, c));
        Cifar10 plain = Cifar10.builder().optDirectory(dir).setShuffledSampling(16, 7).optAugment(false).build();
        try (NDManager manager = NDManager.newBaseManager();
                Batch batch = plain.getData(manager).iterator().next()) {
            assertNotEquals(batch.getData().head().toFloatArray(), a);
            // Shuffling changes the order, not the multiset of labels.
            float[] labels = batch.getLabels().head().toFloatArray();
            java.util.Arrays.sort(labels);
            assertEquals(labels.length, 16);
        }
    }

    private static float[] firstBatch(Path dir, long seed) throws Exception {
        Cifar10 train = Cifar10.builder().optDirectory(dir).optSeed(seed).setShuffledSampling(16, seed).build();
        try (NDManager manager = NDManager.newBaseManager();
                Batch batch = train.getData(manager).iterator().next()) {
            return batch.getData().head().toFloatArray();
        }
    }

    @Test
    public void explicitFolderWithoutFilesNamesWhatIsMissing() throws Exception {
        Path empty = Files.createTempDirectory("no-cifar");
        IOException e = expectThrows(IOException.class, () -> Cifar10Files.locate(empty));
        assertTrue(e.getMessage().contains("no CIFAR-10 binary files in") && e.getMessage().contains("test_batch.bin"),
                e.getMessage());
    }

    @Test
    public void concatenatedDjlLayoutIsAccepted() throws Exception {
        Path dir = Files.createTempDirectory("cifar-djl");
        Files.write(dir.resolve("data_batch.bin"), SyntheticCifar.records(1, 6));
        Files.write(dir.resolve("test_batch.bin"), SyntheticCifar.records(0, 2));
        Cifar10Files files = Cifar10Files.in(dir).orElseThrow();
        assertEquals(files.trainFiles(), List.of(dir.resolve("data_batch.bin")));
    }

    @Test
    public void fileOfWrongSizeIsRefused() throws Exception {
        Path dir = SyntheticCifar.folder(2);
        Files.write(dir.resolve("test_batch.bin"), new byte[100]);
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(dir).build();
        IOException e = expectThrows(IOException.class, () -> test.prepare(null));
        assertTrue(e.getMessage().contains("not a CIFAR-10 batch file"), e.getMessage());
    }
}
