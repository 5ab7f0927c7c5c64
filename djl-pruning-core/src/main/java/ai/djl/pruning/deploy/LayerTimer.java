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
        return (layer, input) -> LatencyBenchmark.builder().optWarmup(warmup).optRepetitions(repetitions)
                .optBatchSizes((int) input.get(0)).build().run(layer, input.slice(1)).get(0).medianMs();
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
                    return LatencyBenchmark.builder().optWarmup(warmup).optRepetitions(repetitions)
                            .optBatchSizes((int) input.get(0)).build().run(p, scope, input.slice(1)).get(0).medianMs();
                }
            } finally {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        };
    }
}
