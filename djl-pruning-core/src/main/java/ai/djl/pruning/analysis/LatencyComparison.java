package ai.djl.pruning.analysis;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Latencies of several models measured side by side in one process, for a machine that other work shares:
 * rounds interleave the candidates (each round times every candidate at every batch size after its own
 * warm-up), and each figure is the median of the round medians, with the lowest and highest round median as
 * its spread. Ratios between candidates of one comparison are what to report; absolute times move with load.
 *
 * <pre>{@code
 * LatencyComparison.Result r = LatencyComparison.builder().optRounds(5).build().run(ImmutableList.of(
 *         new LatencyComparison.Candidate("dense", densePredictor, denseManager),
 *         new LatencyComparison.Candidate("pruned", prunedPredictor, prunedManager)), new Shape(3, 32, 32));
 * double speedup = r.median("dense", 32) / r.median("pruned", 32);
 * }</pre>
 */
public final class LatencyComparison {

    private final LatencyBenchmark bench;
    private final int[] batchSizes;
    private final int rounds;

    private LatencyComparison(Builder b) {
        this.bench = LatencyBenchmark.builder().optWarmup(b.warmup).optRepetitions(b.repetitions)
                .optBatchSizes(b.batchSizes).build();
        this.batchSizes = b.batchSizes.clone();
        this.rounds = b.rounds;
    }

    /** @return a builder (5 rounds of 10 warm-up and 30 timed passes; batch 1 and 32) */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * One model to time.
     *
     * @param name its name in the result
     * @param predictor runs it
     * @param manager a manager of its engine, for the inputs
     */
    public record Candidate(String name, Predictor<NDList, NDList> predictor, NDManager manager) {}

    /**
     * One candidate at one batch size.
     *
     * @param name the candidate
     * @param batch the batch size
     * @param median median of the round medians, ms
     * @param low lowest round median, ms
     * @param high highest round median, ms
     */
    public record Timing(String name, int batch, double median, double low, double high) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.3f ms [%.3f–%.3f]", median, low, high);
        }
    }

    /**
     * Every candidate's timings.
     *
     * @param rounds the rounds run
     * @param timings one per candidate and batch size
     */
    public record Result(int rounds, ImmutableList<Timing> timings) {

        /**
         * @param name a candidate
         * @param batch a batch size
         * @return its timing
         */
        public Timing timing(String name, int batch) {
            return timings.stream().filter(t -> t.name().equals(name) && t.batch() == batch).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no timing of " + name + " at batch " + batch));
        }

        /**
         * @param name a candidate
         * @param batch a batch size
         * @return its median latency, ms
         */
        public double median(String name, int batch) {
            return timing(name, batch).median();
        }
    }

    /**
     * Times the candidates.
     *
     * @param candidates the models, each with a distinct name
     * @param sampleShape one input without the batch axis
     * @return the timings
     * @throws TranslateException if a prediction fails
     */
    public Result run(List<Candidate> candidates, Shape sampleShape) throws TranslateException {
        Preconditions.checkArgument(!candidates.isEmpty(), "nothing to time");
        Preconditions.checkArgument(candidates.stream().map(Candidate::name).distinct().count() == candidates.size(),
                "candidate names must differ");
        double[][][] medians = new double[candidates.size()][batchSizes.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int c = 0; c < candidates.size(); c++) {
                Candidate cand = candidates.get(c);
                List<LatencyResult> res = bench.run(cand.predictor(), cand.manager(), sampleShape);
                for (int b = 0; b < batchSizes.length; b++) {
                    medians[c][b][r] = res.get(b).medianMs();
                }
            }
        }
        List<Timing> out = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            for (int b = 0; b < batchSizes.length; b++) {
                double[] m = medians[c][b];
                double low = Double.POSITIVE_INFINITY;
                double high = 0;
                for (double v : m) {
                    low = Math.min(low, v);
                    high = Math.max(high, v);
                }
                out.add(new Timing(candidates.get(c).name(), batchSizes[b], LatencyBenchmark.median(m), low, high));
            }
        }
        return new Result(rounds, ImmutableList.copyOf(out));
    }

    /** Options of a {@link LatencyComparison}. */
    public static final class Builder {
        private int warmup = 10;
        private int repetitions = 30;
        private int rounds = 5;
        private int[] batchSizes = {1, 32};

        private Builder() {}

        /**
         * @param warmup untimed passes before each candidate's timed passes in every round
         * @return this builder
         */
        public Builder optWarmup(int warmup) {
            this.warmup = warmup;
            return this;
        }

        /**
         * @param repetitions timed passes per candidate, batch size and round
         * @return this builder
         */
        public Builder optRepetitions(int repetitions) {
            this.repetitions = repetitions;
            return this;
        }

        /**
         * @param rounds interleaved rounds, at least 1
         * @return this builder
         */
        public Builder optRounds(int rounds) {
            Preconditions.checkArgument(rounds >= 1, "rounds must be at least 1, got %s", rounds);
            this.rounds = rounds;
            return this;
        }

        /**
         * @param batchSizes the batch sizes
         * @return this builder
         */
        public Builder optBatchSizes(int... batchSizes) {
            this.batchSizes = batchSizes.clone();
            return this;
        }

        /** @return the comparison */
        public LatencyComparison build() {
            return new LatencyComparison(this);
        }
    }
}
