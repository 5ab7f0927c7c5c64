package ai.djl.pruning.examples.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.training.dataset.Sampler;
import ai.djl.training.dataset.SequenceSampler;
import ai.djl.translate.Batchifier;
import ai.djl.util.Progress;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;

/**
 * CIFAR-10 as a DJL dataset, read from the official binary files into memory.
 *
 * <p>Batches are assembled straight into one float buffer per batch (normalised and, for training,
 * augmented with a random 32×32 crop of the 4-pixel zero-padded image and a horizontal flip), so no
 * per-image NDArray or boxed value is created on this hot path. Labels are float32 class indices, as
 * DJL's own {@code Cifar10}.
 *
 * <pre>{@code
 * Cifar10 train = Cifar10.builder().optUsage(Cifar10.Usage.TRAIN).setSampling(128, true).build();
 * train.prepare();
 * }</pre>
 */
public final class Cifar10 extends RandomAccessDataset {

    /** Per-channel mean (RGB) the pretrained checkpoints were trained with. */
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};

    /** Per-channel standard deviation (RGB) the pretrained checkpoints were trained with. */
    public static final float[] STD = {0.229f, 0.224f, 0.225f};

    private static final int SIDE = 32;
    private static final int PLANE = SIDE * SIDE;
    private static final int PIXELS = 3 * PLANE;
    private static final int PAD = 4;

    /** Which split to read. */
    public enum Usage {
        TRAIN,
        TEST
    }

    private final Usage usage;
    private final Path directory;
    private final boolean augment;
    private final SplittableRandom random;
    private final SeededRandomSampler shuffler;
    private byte[] labels;
    private byte[] pixels;

    private Cifar10(Builder builder) {
        super(builder);
        this.usage = builder.usage;
        this.directory = builder.directory;
        this.augment = builder.augment == null ? usage == Usage.TRAIN : builder.augment;
        this.random = new SplittableRandom(builder.seed);
        this.shuffler = builder.getSampler() == builder.shuffledSampling ? builder.shuffler : null;
    }

    /**
     * Makes the next pass over the data use the order of the given epoch, as in an uninterrupted run
     * (a no-op without shuffled sampling). Augmentation draws are not replayed.
     *
     * @param epoch the epoch (1-based)
     */
    public void startAtEpoch(int epoch) {
        if (shuffler != null) {
            shuffler.startAt(epoch, this);
        }
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void prepare(Progress progress) throws IOException {
        if (pixels != null) {
            return;
        }
        Cifar10Files files = Cifar10Files.locate(directory);
        List<Path> sources = usage == Usage.TRAIN ? files.trainFiles() : List.of(files.testFile());
        long total = 0;
        for (Path p : sources) {
            long size = Files.size(p);
            if (size % Cifar10Files.RECORD_BYTES != 0) {
                throw new IOException(p + " is not a CIFAR-10 batch file: " + size
                        + " bytes is not a multiple of " + Cifar10Files.RECORD_BYTES);
            }
            total += size / Cifar10Files.RECORD_BYTES;
        }
        int records = (int) Math.min(total, limit);
        byte[] readLabels = new byte[records];
        byte[] readPixels = new byte[records * PIXELS];
        int at = 0;
        for (Path p : sources) {
            if (at == records) {
                break;
            }
            byte[] raw = Files.readAllBytes(p);
            int n = Math.min(raw.length / Cifar10Files.RECORD_BYTES, records - at);
            for (int i = 0; i < n; i++, at++) {
                int offset = i * Cifar10Files.RECORD_BYTES;
                readLabels[at] = raw[offset];
                System.arraycopy(raw, offset + 1, readPixels, at * PIXELS, PIXELS);
            }
        }
        for (byte label : readLabels) {
            if (label < 0 || label > 9) {
                throw new IOException("CIFAR-10 label " + label + " out of range 0..9 in " + sources);
            }
        }
        this.labels = readLabels;
        this.pixels = readPixels;
    }

    @Override
    protected long availableSize() {
        try {
            prepare(null); // reads the files on first use, like iteration does
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return labels.length;
    }

    /** @return images per batch */
    public int batchSize() {
        return sampler.getBatchSize();
    }

    /** @return the number of batches one pass over the data yields */
    public long batchesPerEpoch() {
        return (size() + batchSize() - 1) / batchSize();
    }

    /**
     * Returns the label of a record.
     *
     * @param index record index
     * @return the label (0..9)
     */
    public int label(int index) {
        return labels[index];
    }

    @Override
    public Record get(NDManager manager, long index) {
        float[] image = new float[PIXELS];
        fill(image, 0, (int) index, augment ? random.split() : null);
        return new Record(
                new NDList(manager.create(image, new Shape(3, SIDE, SIDE))),
                new NDList(manager.create((float) labels[(int) index])));
    }

    @Override
    public Iterable<Batch> getData(NDManager manager, Sampler sampler, ExecutorService executor) throws IOException {
        prepare(null);
        return () -> new BatchIterator(manager, sampler.sample(this), sampler.getBatchSize());
    }

    @Override
    public Iterable<Batch> getData(NDManager manager, ExecutorService executor) throws IOException {
        return getData(manager, sampler, executor);
    }

    @Override
    public Iterable<Batch> getData(NDManager manager) throws IOException {
        return getData(manager, sampler, null);
    }

    /**
     * Writes one normalised (and possibly augmented) image into {@code out} at {@code offset}.
     *
     * @param rng null for no augmentation
     */
    private void fill(float[] out, int offset, int index, SplittableRandom rng) {
        int base = index * PIXELS;
        int dx = 0;
        int dy = 0;
        boolean flip = false;
        if (rng != null) {
            // A random 32×32 window of the image zero-padded by 4 = a shift by (dy, dx) in [-4, 4].
            dy = rng.nextInt(2 * PAD + 1) - PAD;
            dx = rng.nextInt(2 * PAD + 1) - PAD;
            flip = rng.nextBoolean();
        }
        for (int c = 0; c < 3; c++) {
            float scale = 1f / (255f * STD[c]);
            float shift = -MEAN[c] / STD[c];
            int plane = base + c * PLANE;
            int o = offset + c * PLANE;
            for (int y = 0; y < SIDE; y++) {
                int sy = y + dy;
                for (int x = 0; x < SIDE; x++) {
                    int sx = (flip ? SIDE - 1 - x : x) + dx;
                    int value = sy < 0 || sy >= SIDE || sx < 0 || sx >= SIDE
                            ? 0
                            : pixels[plane + sy * SIDE + sx] & 0xFF;
                    out[o + y * SIDE + x] = value * scale + shift;
                }
            }
        }
    }

    private final class BatchIterator implements Iterator<Batch> {
        private final NDManager manager;
        private final Iterator<List<Long>> indices;
        private final long total;
        private long progress;

        BatchIterator(NDManager manager, Iterator<List<Long>> indices, int batchSize) {
            this.manager = manager;
            this.indices = indices;
            this.total = (size() + batchSize - 1) / batchSize;
        }

        @Override
        public boolean hasNext() {
            return indices.hasNext();
        }

        @Override
        public Batch next() {
            List<Long> batch = indices.next();
            int n = batch.size();
            float[] images = new float[n * PIXELS];
            float[] batchLabels = new float[n];
            for (int i = 0; i < n; i++) {
                int index = batch.get(i).intValue();
                fill(images, i * PIXELS, index, augment ? random : null);
                batchLabels[i] = labels[index];
            }
            NDManager batchManager = manager.newSubManager();
            NDArray data = batchManager.create(FloatBuffer.wrap(images), new Shape(n, 3, SIDE, SIDE));
            NDArray label = batchManager.create(batchLabels);
            return new Batch(batchManager, new NDList(data), new NDList(label), n,
                    Batchifier.STACK, Batchifier.STACK, ++progress, total, batch);
        }
    }

    /** Options of a {@link Cifar10} dataset. */
    public static final class Builder extends BaseBuilder<Builder> {
        private Usage usage = Usage.TRAIN;
        private Path directory;
        private Boolean augment;
        private long seed = 42;
        private SeededRandomSampler shuffler;
        private Sampler shuffledSampling;

        private Builder() {
            setSampling(new BatchSampler(new SequenceSampler(), 128, false));
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the split; default TRAIN.
         *
         * @param usage TRAIN (50,000 images) or TEST (10,000)
         * @return this builder
         */
        public Builder optUsage(Usage usage) {
            this.usage = Preconditions.checkNotNull(usage, "usage");
            return this;
        }

        /**
         * Sets the folder holding the binary files; default: searched as {@link Cifar10Files} says.
         *
         * @param directory the folder
         * @return this builder
         */
        public Builder optDirectory(Path directory) {
            this.directory = directory;
            return this;
        }

        /**
         * Sets whether to augment (random crop with 4-pixel padding, horizontal flip); default: for
         * TRAIN only.
         *
         * @param augment true to augment
         * @return this builder
         */
        public Builder optAugment(boolean augment) {
            this.augment = augment;
            return this;
        }

        /**
         * Sets the seed of the augmentation; default 42.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets a seeded random order (reshuffled each epoch) with the given batch size.
         *
         * @param batchSize images per batch
         * @param seed shuffle seed
         * @return this builder
         */
        public Builder setShuffledSampling(int batchSize, long seed) {
            Preconditions.checkArgument(batchSize > 0, "batch size must be positive, got %s", batchSize);
            shuffler = new SeededRandomSampler(seed);
            shuffledSampling = new BatchSampler(shuffler, batchSize, false);
            return setSampling(shuffledSampling);
        }

        /** @return the dataset (call {@link #prepare()} or iterate it to read the files) */
        public Cifar10 build() {
            return new Cifar10(this);
        }
    }
}
