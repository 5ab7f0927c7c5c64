package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.CompressionReport;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.LearningRateSchedule;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.lowrank.LowRankFactorizer;
import ai.djl.pruning.lowrank.LowRankPlan;
import ai.djl.pruning.lowrank.RankSelection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Low-rank (SVD) factorisation of a zoo model's conv/linear layers, then a short fine-tune: plan,
 * accuracy before and after, MACs, parameters and latency. Resumable: a rerun with the same output
 * rebuilds the same factorisation and resumes the fine-tune from its checkpoints.
 */
@Command(name = "lowrank", mixinStandardHelpOptions = true,
        description = "SVD-factorise conv/linear layers (rank by --energy, --param-budget, --mac-budget or --ranks), "
                + "fine-tune, report accuracy/MACs/latency. Resumable.")
final class LowRankCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Option(names = "--energy", description = "Keep this fraction of each layer's singular-value energy.")
    Double energy;

    @Option(names = "--param-budget", description = "Whole model at most this fraction of its parameters.")
    Double paramBudget;

    @Option(names = "--mac-budget", description = "Whole model at most this fraction of its MACs.")
    Double macBudget;

    @Option(names = "--ranks", split = ",", description = "Explicit ranks: layerPath=rank,... (paths as printed by `profile`).")
    List<String> ranks;

    @Option(names = "--layers", description = "Only layers whose DJL path matches this regular expression.")
    String layers;

    @Option(names = "--epochs", defaultValue = "1", description = "Fine-tuning epochs, 0 for none (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.01", description = "Fine-tuning learning rate, cosine (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--wd", defaultValue = "1e-4", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--train-limit", description = "Fine-tune on the first N training images only.")
    Long trainLimit;

    @Option(names = "--train-batch-size", defaultValue = "128", description = "Fine-tuning batch size (default: ${DEFAULT-VALUE}).")
    int trainBatchSize;

    @Option(names = "--latency-reps", defaultValue = "20", description = "Timed passes per round, 0 to skip latency (default: ${DEFAULT-VALUE}).")
    int latencyReps;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/lowrank-<model>).")
    Path output;

    @Override
    public Integer call() throws Exception {
        RankSelection selection = selection();
        CifarModel zoo = options.zooModel();
        Path out = output == null ? Paths.get("runs", "lowrank-" + zoo.modelName()) : output;
        Files.createDirectories(out);
        Cifar10 test = options.testSet();
        try (Model dense = ZooModels.load(zoo, options.weights); Model factored = Model.newInstance("lowrank")) {
            Block block = dense.getBlock();
            AccuracyResult denseAccuracy = AccuracyEvaluation.evaluate(block, test);
            System.out.printf("dense %s: %s%n", zoo.modelName(), denseAccuracy);
            LowRankFactorizer factorizer = layers == null ? LowRankFactorizer.builder().build()
                    : LowRankFactorizer.builder().optLayers(layers).build();
            LowRankPlan plan = factorizer.plan(block, ZooModels.INPUT_SHAPE, selection);
            System.out.print(plan.toTable());
            Files.writeString(out.resolve("plan.txt"), plan.toTable());
            Block small = factorizer.apply(block, plan, ZooModels.INPUT_SHAPE, factored.getNDManager());
            factored.setBlock(small);
            ModelFiles.save(small, ZooModels.INPUT_SHAPE, out.resolve("factorised"));
            AccuracyResult before = AccuracyEvaluation.evaluate(small, test);
            System.out.printf("factorised, before fine-tuning: %s%n", before);
            List<EpochRecord> history = List.of();
            double minutes = 0;
            if (epochs > 0) {
                Cifar10.Builder tb = Cifar10.builder().optDirectory(options.data).setShuffledSampling(trainBatchSize, 42);
                if (trainLimit != null) {
                    tb.optLimit(trainLimit);
                }
                Cifar10 train = tb.build();
                train.prepare(null);
                long t0 = System.nanoTime();
                history = TrainingRun.builder().setEpochs(epochs).optLearningRate(lr).optWeightDecay(weightDecay)
                        .optSchedule(LearningRateSchedule.Kind.COSINE).setOutput(out.resolve("finetune")).build()
                        .fit(factored, train, test);
                minutes = (System.nanoTime() - t0) / 60e9;
                ModelFiles.save(small, ZooModels.INPUT_SHAPE, out.resolve("finetuned"));
            }
            AccuracyResult after = history.isEmpty() ? before : AccuracyEvaluation.evaluate(small, test);
            ModelProfile pd = ModelProfile.of(block, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            ModelProfile pf = ModelProfile.of(small, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            CompressionReport.Builder report = CompressionReport.builder().addProfiles(pd, pf, 32);
            if (latencyReps > 0) {
                LatencyBenchmark bench = LatencyBenchmark.builder().optWarmup(10).optRepetitions(latencyReps)
                        .optBatchSizes(1, 32).build();
                int rounds = 3;
                double[][] a = new double[2][rounds];
                double[][] b = new double[2][rounds];
                for (int r = 0; r < rounds; r++) {
                    // Alternating, so drifts in machine load hit both alike.
                    var ra = bench.run(block, new Shape(3, 32, 32));
                    var rb = bench.run(small, new Shape(3, 32, 32));
                    for (int i = 0; i < 2; i++) {
                        a[i][r] = ra.get(i).medianMs();
                        b[i][r] = rb.get(i).medianMs();
                    }
                }
                report.add("Latency b1 (ms)", LatencyBenchmark.median(a[0]), LatencyBenchmark.median(b[0]), false);
                report.add("Latency b32 (ms)", LatencyBenchmark.median(a[1]), LatencyBenchmark.median(b[1]), false);
            }
            report.add("Accuracy before fine-tune (%)", denseAccuracy.percent(), before.percent(), true);
            report.addAccuracy(denseAccuracy.percent(), after.percent());
            CompressionReport r = report.build();
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "# Low-rank factorisation of %s (%s)%n%n", zoo.modelName(), selection));
            md.append(r.toMarkdown()).append('\n');
            md.append(String.format(Locale.ROOT, "Dense %s → factorised %s → after %d fine-tuning epoch(s) %s "
                    + "(%.1f min of training in this process; %s training images).%n%n", denseAccuracy, before,
                    history.size(), after, minutes, trainLimit == null ? "all" : trainLimit.toString()));
            if (!history.isEmpty()) {
                md.append("| epoch | train loss | train acc | test acc | seconds |\n|---:|---:|---:|---:|---:|\n");
                history.forEach(h -> md.append(String.format(Locale.ROOT, "| %d | %.4f | %.2f | %.2f | %.0f |%n",
                        h.epoch(), h.trainLoss(), h.trainAccuracy(), h.testAccuracy(), h.seconds())));
                md.append('\n');
            }
            md.append("```\n").append(plan.toTable()).append("```\n");
            Files.writeString(out.resolve("report.md"), md.toString());
            System.out.print(r.toText());
            System.out.println(md);
        }
        return 0;
    }

    private RankSelection selection() {
        int given = (energy != null ? 1 : 0) + (paramBudget != null ? 1 : 0) + (macBudget != null ? 1 : 0)
                + (ranks != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("give exactly one of --energy, --param-budget, --mac-budget, --ranks");
        }
        if (energy != null) {
            return RankSelection.energy(energy);
        }
        if (paramBudget != null) {
            return RankSelection.paramBudget(paramBudget);
        }
        if (macBudget != null) {
            return RankSelection.macBudget(macBudget);
        }
        Map<String, Integer> map = new LinkedHashMap<>();
        for (String s : ranks) {
            String[] kv = s.split("=");
            if (kv.length != 2) {
                throw new IllegalArgumentException("--ranks entries are layerPath=rank, got '" + s + "'");
            }
            map.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
        }
        return RankSelection.perLayer(map);
    }
}
