package ai.djl.pruning.examples.data;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import com.google.common.base.Preconditions;
import java.util.Iterator;
import java.util.Random;
import java.util.stream.LongStream;

/**
 * A random order with a seed (DJL's {@code RandomSampler} takes none): each call of {@link #sample}
 * (each epoch) draws the next permutation from the same seeded generator, so a run is reproducible.
 */
public final class SeededRandomSampler implements Sampler.SubSampler {

    private final long seed;
    private Random random;
    private int drawn;

    /**
     * Creates the sampler.
     *
     * @param seed the seed
     */
    public SeededRandomSampler(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /**
     * Makes the next {@link #sample} draw the order of the given epoch, as an uninterrupted run would:
     * what a resumed run needs to see the rest of an epoch in its original order.
     *
     * @param epoch the epoch (1-based) of the next pass
     * @param dataset the dataset sampled
     */
    public synchronized void startAt(int epoch, RandomAccessDataset dataset) {
        Preconditions.checkArgument(epoch >= 1, "epochs count from 1, got %s", epoch);
        if (drawn >= epoch) {
            random = new Random(seed);
            drawn = 0;
        }
        while (drawn < epoch - 1) {
            sample(dataset);
        }
    }

    @Override
    public synchronized Iterator<Long> sample(RandomAccessDataset dataset) {
        drawn++;
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
