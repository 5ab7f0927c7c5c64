package ai.djl.pruning.analysis;

import java.util.Locale;

/**
 * Inference latency of one batch size, from {@link LatencyBenchmark}.
 *
 * @param batchSize images per forward pass
 * @param device the device, as DJL names it
 * @param threads intra-op threads of the engine (-1 if the engine does not say)
 * @param warmup untimed passes before timing
 * @param repetitions timed passes
 * @param medianMs median wall time of one pass
 * @param p90Ms 90th percentile (nearest rank)
 * @param meanMs mean
 * @param minMs fastest pass
 */
public record LatencyResult(
        int batchSize,
        String device,
        int threads,
        int warmup,
        int repetitions,
        double medianMs,
        double p90Ms,
        double meanMs,
        double minMs) {

    /** @return images per second at the median latency */
    public double imagesPerSecond() {
        return batchSize * 1000.0 / medianMs;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "batch %d on %s (%d threads): median %.2f ms, p90 %.2f ms, mean %.2f ms, %.0f img/s (%d reps after %d warm-up)",
                batchSize, device, threads, medianMs, p90Ms, meanMs, imagesPerSecond(), repetitions, warmup);
    }
}
