package ai.djl.pruning.examples.cli;

import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.pruning.analysis.CompressionReport;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.pruning.analysis.LatencyResult;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Compares the latency and cost of two zoo models. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure CPU inference latency of two zoo models side by side (interleaved, same process) "
                + "and print the Original / Compressed / Ratio table per batch size.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "vgg", description = "The original model (default: ${DEFAULT-VALUE}).")
    String original;

    @Option(names = "--against", defaultValue = "vgg-slim70", description = "The compressed model: a zoo name, or a folder saved by a pruning command (architecture.json "
                    + "+ parameters.params) (default: ${DEFAULT-VALUE}).")
    String compressed;

    @Option(names = "--batch-sizes", split = ",", defaultValue = "1,32", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batchSizes;

    @Option(names = "--warmup", defaultValue = "20", description = "Warm-up passes (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--reps", defaultValue = "50", description = "Timed passes (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Alternating rounds per model; the median of the round medians is reported (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--threads", description = "Intra-op threads (default: the engine's).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (rounds <= 0) {
            throw new IllegalArgumentException("--rounds must be positive, got " + rounds);
        }
        LatencyBenchmark.Builder builder = LatencyBenchmark.builder().optWarmup(warmup).optRepetitions(repetitions)
                .optBatchSizes(batchSizes);
        if (threads != null) {
            builder.optThreads(threads);
        }
        LatencyBenchmark bench = builder.build();
        Shape sample = new Shape(3, 32, 32);
        try (Model ma = ModelOptions.openSavedOrZoo(original, false);
                Model mb = ModelOptions.openSavedOrZoo(compressed, false)) {
            ModelProfile pa = ModelProfile.of(ma.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            ModelProfile pb = ModelProfile.of(mb.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            double[][][] medians = new double[2][batchSizes.length][rounds];
            LatencyResult[][] last = new LatencyResult[2][];
            for (int r = 0; r < rounds; r++) {
                // Alternate the models so drifts in machine load hit both alike.
                List<LatencyResult> ra = bench.run(ma.getBlock(), sample);
                List<LatencyResult> rb = bench.run(mb.getBlock(), sample);
                last[0] = ra.toArray(new LatencyResult[0]);
                last[1] = rb.toArray(new LatencyResult[0]);
                for (int i = 0; i < batchSizes.length; i++) {
                    medians[0][i][r] = ra.get(i).medianMs();
                    medians[1][i][r] = rb.get(i).medianMs();
                }
            }
            System.out.println("machine: " + EngineConfiguration.describeInForce());
            System.out.printf("%s vs %s, %d rounds × %d reps after %d warm-up%n", original, compressed,
                    rounds, repetitions, warmup);
            for (int i = 0; i < batchSizes.length; i++) {
                System.out.println("original:   " + last[0][i]);
                System.out.println("compressed: " + last[1][i]);
                CompressionReport report = CompressionReport.builder()
                        .addLatency(LatencyBenchmark.median(medians[0][i]), LatencyBenchmark.median(medians[1][i]))
                        .add("MACs (M)", pa.macs() / 1e6, pb.macs() / 1e6, false)
                        .add("Params (M)", pa.params() / 1e6, pb.params() / 1e6, false)
                        .build();
                System.out.printf("batch %d (latency: median of %d round medians)%n%s%n", batchSizes[i], rounds,
                        report.toMarkdown());
            }
        }
        return 0;
    }
}
