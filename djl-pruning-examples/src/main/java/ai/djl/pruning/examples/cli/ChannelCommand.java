package ai.djl.pruning.examples.cli;

import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.pruning.analysis.LatencyResult;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.LearningRateSchedule;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.structured.CalibrationData;
import ai.djl.pruning.deploy.LatencyTable;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.GroupImportance;
import ai.djl.pruning.structured.GroupReduction;
import ai.djl.pruning.structured.Importance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Structured channel pruning of a pretrained zoo model with one or more criteria, measured side by side. */
@Command(name = "channel", mixinStandardHelpOptions = true,
        description = "Channel-prune a zoo model with each criterion to a MAC target (or ratio), then report accuracy, "
                + "MACs, params and latency beside the original; optionally fine-tune. Writes each pruned model "
                + "(architecture + parameters) and report.md.")
final class ChannelCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet56", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = {"-w", "--weights"}, description = "Weights; default: the pretrained checkpoint.")
    Path weights;

    @Option(names = "--criterion", split = ",", defaultValue = "l1,l2,fpgm,bn-gamma,next-input-l2,apoz,taylor,random",
            description = "Importance criteria, comma-separated: l1, l2, fpgm, bn-gamma, next-input-l2, apoz, taylor, "
                    + "random (default: ${DEFAULT-VALUE}).")
    List<String> criteria;

    @Option(names = "--reduction", defaultValue = "SUM",
            description = "How a group combines its layers' scores: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    GroupReduction reduction;

    @Option(names = "--normalise", description = "Scale each layer's scores to mean 1 before combining them.")
    boolean normalise;

    @Option(names = "--global", description = "Rank all channels of the network together instead of a uniform ratio.")
    boolean global;

    @Option(names = "--round-to", defaultValue = "1", description = "Keep every pruned width (stage widths included) a multiple of this many channels.")
    int roundTo;

    @Option(names = "--calibration-batches", defaultValue = "8",
            description = "Training batches of 128 (no augmentation) for apoz and taylor (default: ${DEFAULT-VALUE}).")
    int calibrationBatches;

    @Option(names = "--tune-best", defaultValue = "2",
            description = "With --epochs: fine-tune the criteria with the best accuracy after pruning, this many, "
                    + "plus random when listed (default: ${DEFAULT-VALUE}; 0 = all).")
    int tuneBest;

    @Option(names = "--macs", defaultValue = "0.5",
            description = "Target MACs as a fraction of the original; 0.5 = at least 2× fewer (default: ${DEFAULT-VALUE}).")
    double macFraction;

    @Option(names = "--latency", description = "Target predicted latency as a fraction of the original's (0.5 = 2x "
            + "faster) instead of a MAC target: per-group widths from a latency table measured on --runtime.")
    Double latency;

    @Option(names = "--runtime", defaultValue = "onnxruntime",
            description = "With --latency: the runtime to measure on, onnxruntime or pytorch (default: ${DEFAULT-VALUE}).")
    String runtime;

    @Option(names = "--latency-batch", defaultValue = "1",
            description = "With --latency: the batch size to plan for (default: ${DEFAULT-VALUE}).")
    int latencyBatch;

    @Option(names = "--ratio", description = "Remove this fraction of every group's channels instead of a MAC target.")
    Double ratio;

    @Option(names = "--untrained",
            description = "Prune a randomly initialised model (for MACs, params and latency only; no accuracy).")
    boolean untrained;

    @Option(names = "--protect", description = "Regular expression of DJL layer paths whose groups keep their width.")
    String protect;

    @Option(names = "--epochs", defaultValue = "0", description = "Fine-tuning epochs per criterion (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.01", description = "Fine-tuning learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/channel-<model>).")
    Path output;

    @Override
    public Integer call() throws Exception {
        CifarModel zoo = CifarModel.of(model);
        if (untrained && (weights != null || epochs > 0)) {
            throw new IllegalArgumentException("--untrained excludes --weights and --epochs");
        }
        Path out = output == null ? Paths.get("runs", "channel-" + zoo.modelName()) : output;
        Files.createDirectories(out);
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(250, false).build();
        test.prepare(null);
        Cifar10 calibration = Cifar10.builder().optDirectory(data).optAugment(false).setShuffledSampling(128, 7).build();
        CalibrationData calibrationData = new CalibrationData(calibration, calibrationBatches);
        criteria.forEach(c -> Importance.of(c, 0, calibrationData)); // fail early on an unknown name
        Shape sample = new Shape(3, 32, 32);
        LatencyBenchmark bench = LatencyBenchmark.builder().optWarmup(10).optRepetitions(30).optBatchSizes(1, 32).build();
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "# Channel pruning of %s (%s%s%s)%n%nMachine: %s%n%n| criterion | MACs (M) | MAC ratio | params (M) | top-1 after pruning |"
                        + " latency b1 (ms) | ratio b1 | latency b32 (ms) | ratio b32 |%n|---|---:|---:|---:|---:|---:|---:|---:|---:|%n",
                zoo.modelName(), latency != null ? "latency target " + latency + " on " + runtime + " at batch "
                        + latencyBatch : ratio != null ? "ratio " + ratio : "MAC target " + macFraction,
                global ? ", global ranking" : "", ", group " + reduction.name().toLowerCase(Locale.ROOT)
                        + (normalise ? " normalised" : "") + (roundTo > 1 ? ", multiples of " + roundTo : ""),
                EngineConfiguration.describeInForce()));
        Map<String, Double> accuracy = new LinkedHashMap<>();
        try (Model original = untrained ? ZooModels.newModel(zoo) : ZooModels.load(zoo, weights);
                NDManager manager = NDManager.newBaseManager()) {
            Block block = original.getBlock();
            ModelProfile base = ModelProfile.of(block, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            AccuracyResult baseAcc = untrained ? new AccuracyResult(0, 0) : AccuracyEvaluation.evaluate(block, test);
            List<LatencyResult> baseLatency = bench.run(block, sample);
            md.append(String.format(Locale.ROOT, "| (original) | %.2f | 1.00× | %.3f | %.2f | %.2f | | %.2f | |%n",
                    base.macs() / 1e6, base.params() / 1e6, baseAcc.percent(),
                    baseLatency.get(0).medianMs(), baseLatency.get(1).medianMs()));
            System.out.printf("original %s: %s, %.2f M MACs, %.3f M params%n", zoo.modelName(), baseAcc,
                    base.macs() / 1e6, base.params() / 1e6);
            for (String name : criteria) {
                Importance importance = Importance.of(name, 42, calibrationData);
                if (importance instanceof GroupImportance g) {
                    importance = g.withReduction(reduction).withNormalisation(normalise);
                }
                ChannelPruner.Builder pb = ChannelPruner.builder().optImportance(importance).optGlobalRanking(global)
                        .optRoundTo(roundTo);
                if (protect != null) {
                    pb.optProtect(protect);
                }
                ChannelPruner pruner = pb.build();
                ChannelPruningPlan plan;
                if (latency != null) {
                    Shape batchShape = new Shape(latencyBatch).addAll(ZooModels.INPUT_SHAPE.slice(1));
                    LatencyTable table = LatencyTable.measure(block, batchShape, Math.max(1, roundTo),
                            LatencyTableCommand.timer(runtime));
                    plan = pruner.planForLatency(block, batchShape, latency, table);
                    double[] predicted = plan.predictLatency(table);
                    System.out.printf(Locale.ROOT, "%s: predicted %.3f → %.3f ms on %s at batch %d (%.2f× faster)%n",
                            name, predicted[0], predicted[1], runtime, latencyBatch, predicted[0] / predicted[1]);
                } else {
                    plan = ratio != null ? pruner.plan(block, ZooModels.INPUT_SHAPE, ratio)
                            : pruner.planForMacs(block, ZooModels.INPUT_SHAPE, macFraction, manager);
                }
                Block pruned = pruner.apply(block, plan, manager);
                ModelProfile p = ModelProfile.of(pruned, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
                AccuracyResult acc = untrained ? new AccuracyResult(0, 0) : AccuracyEvaluation.evaluate(pruned, test);
                accuracy.put(name, acc.percent());
                // Measure original and pruned back to back so load changes hit both.
                List<LatencyResult> o = bench.run(block, sample);
                List<LatencyResult> l = bench.run(pruned, sample);
                ModelFiles.save(pruned, ZooModels.INPUT_SHAPE, out.resolve(name).resolve("model"));
                String row = String.format(Locale.ROOT, "| %s | %.2f | %.2f× | %.3f | %.2f | %.2f | %.2f× | %.2f | %.2f× |",
                        name, p.macs() / 1e6, (double) base.macs() / p.macs(), p.params() / 1e6, acc.percent(),
                        l.get(0).medianMs(), o.get(0).medianMs() / l.get(0).medianMs(), l.get(1).medianMs(),
                        o.get(1).medianMs() / l.get(1).medianMs());
                md.append(row).append('\n');
                System.out.println(row);
                Files.writeString(out.resolve("report.md"), md.toString());
            }
        }
        if (epochs > 0) {
            md.append(String.format(Locale.ROOT, "%n## Fine-tuning: %d epochs, SGD lr %s cosine%n%n"
                    + "| criterion | top-1 after pruning | top-1 after fine-tuning |%n|---|---:|---:|%n", epochs, lr));
            for (String name : toTune(accuracy)) {
                try (Model m = Model.newInstance(name)) {
                    // Fine-tune the saved pruned model: a rerun continues from the newest epoch checkpoint.
                    m.setBlock(ModelFiles.load(out.resolve(name).resolve("model"), m.getNDManager()));
                    AccuracyResult tuned = fineTune(m, out.resolve(name), test);
                    String row = String.format(Locale.ROOT, "| %s | %.2f | %.2f |", name, accuracy.get(name),
                            tuned.percent());
                    md.append(row).append('\n');
                    System.out.println(row);
                    Files.writeString(out.resolve("report.md"), md.toString());
                }
            }
        }
        Files.writeString(out.resolve("report.md"), md.toString());
        System.out.print(md);
        return 0;
    }

    /** The best {@code tuneBest} criteria by accuracy after pruning, then random if it was run. */
    private List<String> toTune(Map<String, Double> accuracy) {
        List<String> names = new ArrayList<>(accuracy.keySet());
        names.remove("random");
        names.sort(Comparator.comparingDouble(n -> -accuracy.get(n)));
        List<String> picked = new ArrayList<>(tuneBest > 0 ? names.subList(0, Math.min(tuneBest, names.size())) : names);
        if (accuracy.containsKey("random")) {
            picked.add("random");
        }
        return picked;
    }

    private AccuracyResult fineTune(Model m, Path dir, Cifar10 test) throws Exception {
        Cifar10 train = Cifar10.builder().optDirectory(data).setShuffledSampling(128, 42).build();
        List<EpochRecord> history = TrainingRun.builder().setEpochs(epochs).optLearningRate(lr)
                .optSchedule(LearningRateSchedule.Kind.COSINE).setOutput(dir.resolve("finetune")).build()
                .fit(m, train, test);
        return history.get(history.size() - 1).testResult();
    }
}
