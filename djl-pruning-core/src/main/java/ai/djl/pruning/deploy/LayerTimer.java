package ai.djl.pruning.deploy;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;

/** Times one initialised layer on one runtime: what a {@link LatencyTable} is measured with. */
@FunctionalInterface
public interface LayerTimer {

    /**
     * @param layer an initialised block
     * @param input its input shape, batch included
     * @return its median time, ms
     * @throws Exception if it cannot run
     */
    double millis(Block layer, Shape input) throws Exception;

    /**
     * @param warmup untimed passes
     * @param repetitions timed passes
     * @return a timer of the block itself on DJL's default engine
     */
    static LayerTimer djl(int warmup, int repetitions) {
        return (layer, input) -> budgeted(warmup, repetitions, input, b -> b.run(layer, input.slice(1)));
    }

    /**
     * @param threads ONNX Runtime intra-op threads (0: its default)
     * @param warmup untimed passes
     * @param repetitions timed passes
     * @return a timer of the layer's ONNX form on DJL's OnnxRuntime engine
     */
    static LayerTimer onnxRuntime(int threads, int warmup, int repetitions) {
        return (layer, input) -> {
            Path dir = Files.createTempDirectory("latency-layer");
            try {
                Path file = Deployment.writeOnnx(layer, input, dir);
                try (ZooModel<NDList, NDList> m = Deployment.loadOnnxRuntime(file, threads);
                        Predictor<NDList, NDList> p = m.newPredictor();
                        NDManager scope = m.getNDManager().newSubManager()) {
                    return budgeted(warmup, repetitions, input, b -> b.run(p, scope, input.slice(1)));
                }
            } finally {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        };
    }

    /** Time one measurement may take: big layers at batch 32 get fewer passes (at least 3) instead of seconds each. */
    double BUDGET_MS = 300;

    /** A benchmark run of the layer under a given configuration. */
    @FunctionalInterface
    interface Run {
        java.util.List<ai.djl.pruning.analysis.LatencyResult> with(LatencyBenchmark benchmark) throws Exception;
    }

    /**
     * Median time with at most {@code repetitions} passes, fewer when two probe passes say the layer is slow.
     *
     * @param warmup untimed passes at most
     * @param repetitions timed passes at most
     * @param input the input shape, batch included
     * @param run runs a benchmark on the layer
     * @return the median, ms
     * @throws Exception if the layer cannot run
     */
    private static double budgeted(int warmup, int repetitions, Shape input, Run run) throws Exception {
        int batch = (int) input.get(0);
        double probe = run.with(LatencyBenchmark.builder().optWarmup(1).optRepetitions(2).optBatchSizes(batch).build())
                .get(0).medianMs();
        int reps = (int) Math.max(3, Math.min(repetitions, BUDGET_MS / Math.max(probe, 1e-3)));
        int warm = Math.max(1, Math.min(warmup, reps / 3));
        return run.with(LatencyBenchmark.builder().optWarmup(warm).optRepetitions(reps).optBatchSizes(batch).build())
                .get(0).medianMs();
    }
}
