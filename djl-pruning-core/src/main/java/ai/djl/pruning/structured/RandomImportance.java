package ai.djl.pruning.structured;

import java.util.Random;

/** Random scores, the baseline every criterion must beat; reproducible for a seed. */
public final class RandomImportance implements Importance {

    private final long seed;

    /**
     * @param seed the seed
     */
    public RandomImportance(long seed) {
        this.seed = seed;
    }

    @Override
    public double[] score(ChannelGroup group) {
        Random r = new Random(seed * 31 + group.id());
        double[] s = new double[group.channels().size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = r.nextDouble();
        }
        return s;
    }

    @Override
    public String toString() {
        return "random(" + seed + ")";
    }
}
