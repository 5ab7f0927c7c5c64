package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.adder.AdaptiveLearningRate;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.pruning.analysis.LatencyResult;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.analysis.OperationCounts;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.LearningRateSchedule;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.AdderCnn;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains the small {@link AdderCnn} in its AdderNet and convolution twins with the same budget (epochs,
 * images, learning rate, seed) and reports accuracy, parameters, operations by kind and latency; the
 * adder twin with and without AdderNet's adaptive per-layer learning rate. Each variant trains in its
 * own folder with {@link TrainingRun} (resumable).
 */
@Command(name = "addernet", mixinStandardHelpOptions = true,
        description = "Train a small AdderNet CNN and its conv twin with the same budget (adaptive lr on/off). Resumable.")
final class AdderNetCommand implements Callable<Integer> {

    @Option(names = "--variants", split = ",", defaultValue = "conv,adder,adder-fixed-lr",
            description = "conv (the twin with multiplications), adder (adaptive lr), adder-fixed-lr "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> variants;

    @Option(names = "--width", defaultValue = "16", description = "Stem width w (layers w, 2w, 4w, 4w) (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.1", description = "Global learning rate γ, cosine (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--eta", defaultValue = "0.1", description = "Adaptive-rate η (default: ${DEFAULT-VALUE}).")
    float eta;

    @Option(names = "--wd", defaultValue = "5e-4", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--train-limit", description = "Train on the first N training images only.")
    Long trainLimit;

    @Option(names = "--test-limit", description = "Evaluate on the first N test images only.")
    Long testLimit;

    @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", description = "Data order and initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/addernet).")
    Path output;

    /** One trained variant. */
    private record Result(String variant, List<EpochRecord> history, ModelProfile profile, double minutes,
            LatencyResult latency) {}

    @Override
    public Integer call() throws Exception {
        Path out = output == null ? Paths.get("runs", "addernet") : output;
        Files.createDirectories(out);
        Cifar10.Builder tb = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(250, false);
        if (testLimit != null) {
            tb.optLimit(testLimit);
        }
        Cifar10 test = tb.build();
        test.prepare(null);
        Cifar10.Builder trb = Cifar10.builder().optDirectory(data).setShuffledSampling(batchSize, seed);
        if (trainLimit != null) {
            trb.optLimit(trainLimit);
        }
        Cifar10 train = trb.build();
        train.prepare(null);
        List<Result> results = new ArrayList<>();
        for (String v : variants) {
            boolean adder = switch (v) {
                case "conv" -> false;
                case "adder", "adder-fixed-lr" -> true;
                default -> throw new IllegalArgumentException("unknown variant '" + v + "'; use conv, adder, adder-fixed-lr");
            };
            boolean adaptive = v.equals("adder");
            try (Model m = Model.newInstance("addercnn-" + v)) {
                ai.djl.engine.Engine.getInstance().setRandomSeed((int) seed);
                Block block = AdderCnn.build(adder, width);
                block.initialize(m.getNDManager(), DataType.FLOAT32, ZooModels.INPUT_SHAPE);
                m.setBlock(block);
                TrainingRun.Builder run = TrainingRun.builder().setEpochs(epochs).optLearningRate(lr)
                        .optWeightDecay(weightDecay).optSchedule(LearningRateSchedule.Kind.COSINE)
                        .setOutput(out.resolve(v)).optCheckpointSteps(50);
                if (adaptive) {
                    run.optOptimizerWrapper((sgd, b) -> new AdaptiveLearningRate(sgd, b, eta));
                }
                System.out.printf("== %s: %s%n", v, adder ? (adaptive ? "AdderNet, adaptive lr η = " + eta
                        : "AdderNet, fixed lr") : "conv twin");
                long t0 = System.nanoTime();
                List<EpochRecord> history = run.build().fit(m, train, test);
                double minutes = (System.nanoTime() - t0) / 60e9;
                ModelProfile profile = ModelProfile.of(block, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
                System.out.print(profile.toOperationTable());
                LatencyResult latency = LatencyBenchmark.builder().optWarmup(3).optRepetitions(10).optBatchSizes(32)
                        .build().run(block, new Shape(3, 32, 32)).get(0);
                results.add(new Result(v, history, profile, minutes, latency));
            }
        }
        String md = report(results);
        Files.writeString(out.resolve("report.md"), md);
        System.out.println(md);
        return 0;
    }

    private String report(List<Result> results) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# AdderNet vs conv twin (width %d, %d epochs, %s training images, batch %d,"
                + " lr %.3f cosine, wd %.0e, η %.2f)%n%n", width, epochs, trainLimit == null ? "all" : trainLimit.toString(),
                batchSize, lr, weightDecay, eta));
        md.append("| variant | test acc (%) | params | MACs | multiplications | additions | subtractions | abs values"
                + " | train time (min, this run) | latency b32 (ms) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            OperationCounts o = r.profile().operations();
            EpochRecord last = r.history().get(r.history().size() - 1);
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %,d | %,d | %,d | %,d | %,d | %,d | %.1f | %.1f |%n",
                    r.variant(), last.testAccuracy(), r.profile().params(), r.profile().macs(), o.multiplications(),
                    o.additions(), o.subtractions(), o.absoluteValues(), r.minutes(), r.latency().medianMs()));
        }
        md.append("\nPer epoch (test accuracy %):\n\n| epoch |");
        results.forEach(r -> md.append(' ').append(r.variant()).append(" |"));
        md.append("\n|---:|");
        results.forEach(r -> md.append("---:|"));
        md.append('\n');
        for (int e = 0; e < epochs; e++) {
            md.append("| ").append(e + 1).append(" |");
            for (Result r : results) {
                md.append(e < r.history().size() ? String.format(Locale.ROOT, " %.2f (loss %.3f) |",
                        r.history().get(e).testAccuracy(), r.history().get(e).trainLoss()) : " |");
            }
            md.append('\n');
        }
        md.append("\nOperations are per image (batch 1), by the convention of `OperationCounts`; the adder layers"
                + " report 0 MACs.\n");
        return md.toString();
    }
}
