package ai.djl.pruning.examples.data;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.Iterator;
import java.util.Random;
import java.util.stream.LongStream;

/**
 * A random order with a seed (DJL's {@code RandomSampler} takes none): each call of {@link #sample}
 * (each epoch) draws the next permutation from the same seeded generator, so a run is reproducible.
 */
public final class SeededRandomSampler implements Sampler.SubSampler {

    private final Random random;

    /**
     * Creates the sampler.
     *
     * @param seed the seed
     */
    public SeededRandomSampler(long seed) {
        this.random = new Random(seed);
    }

    @Override
    public Iterator<Long> sample(RandomAccessDataset dataset) {
        long n = dataset.size();
        long[] order = LongStream.range(0, n).toArray();
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return LongStream.of(order).iterator();
    }
}
