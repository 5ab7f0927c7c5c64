package ai.djl.pruning.examples.cli;

import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.Model;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.CompressionReport;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.analysis.ParameterCounts;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.report.Plots;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.LearningRateSchedule;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.ParameterFiles;
import ai.djl.pruning.io.TorchParameterNames;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.PruningSchedule;
import ai.djl.pruning.unstructured.SensitivityResult;
import ai.djl.pruning.unstructured.SensitivityScan;
import ai.djl.pruning.unstructured.SparseParameterFile;
import ai.djl.pruning.unstructured.SparsityAllocator;
import ai.djl.pruning.unstructured.SparsityPlan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Fine-grained pruning end to end: sensitivity scan, allocation to a size budget (or a uniform
 * sparsity), magnitude pruning, fine-tuning with masks held, report. Every step writes its result to
 * the output folder and is skipped when rerun.
 */
@Command(name = "finegrained", mixinStandardHelpOptions = true,
        description = "Scan → allocate → prune → fine-tune (masks held) → report, for a pretrained zoo model. "
                + "Resumable: a rerun with the same --output skips finished steps and resumes training.")
final class FineGrainedCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet20", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = {"-w", "--weights"}, description = "Weights; default: the pretrained checkpoint.")
    Path weights;

    @Option(names = "--budget", defaultValue = "0.25",
            description = "Nonzero size allowed, as a fraction of the dense size (default: ${DEFAULT-VALUE}).")
    double budget;

    @Option(names = "--sparsity", description = "Prune every conv/linear weight to this sparsity instead of "
            + "scanning and allocating.")
    Double uniformSparsity;

    @Option(names = "--grid", split = ",", defaultValue = "0.4,0.5,0.6,0.7,0.8,0.9",
            description = "Sensitivity-scan sparsities (default: ${DEFAULT-VALUE}).")
    double[] grid;

    @Option(names = "--scan-images", defaultValue = "1000",
            description = "Scan on the first N test images (default: ${DEFAULT-VALUE}).")
    long scanImages;

    @Option(names = "--pruning-schedule", defaultValue = "oneshot",
            description = "oneshot (prune, then fine-tune) or agp (reach the sparsity gradually; final sparsity "
                    + "at the start of the last epoch) (default: ${DEFAULT-VALUE}).")
    String pruningSchedule;

    @Option(names = "--epochs", defaultValue = "5", description = "Fine-tuning epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.01", description = "Fine-tuning learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--wd", defaultValue = "1e-4", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--train-limit", description = "Fine-tune on the first N training images only.")
    Long trainLimit;

    @Option(names = "--batch-size", defaultValue = "128",
            description = "Fine-tuning batch size, at most the training images (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/finegrained-<model>).")
    Path output;

    @Override
    public Integer call() throws Exception {
        CifarModel zoo = CifarModel.of(model);
        if (uniformSparsity != null && !(uniformSparsity >= 0 && uniformSparsity <= 1)) {
            throw new IllegalArgumentException("--sparsity must be in [0, 1], got " + uniformSparsity);
        }
        if (!(budget > 0 && budget <= 1)) {
            throw new IllegalArgumentException("--budget must be in (0, 1], got " + budget);
        }
        PruningSchedule schedule = switch (pruningSchedule.toLowerCase(Locale.ROOT)) {
            case "oneshot" -> PruningSchedule.oneShot();
            case "agp" -> PruningSchedule.agp(0, Math.max(1, epochs - 1), 1);
            default -> throw new IllegalArgumentException("unknown pruning schedule '" + pruningSchedule + "'; use oneshot or agp");
        };
        Path out = output == null ? Paths.get("runs", "finegrained-" + zoo.modelName()) : output;
        Files.createDirectories(out);
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(250, false).build();
        test.prepare(null);
        try (Model m = ZooModels.load(zoo, weights)) {
            var block = m.getBlock();
            AccuracyResult dense = AccuracyEvaluation.evaluate(block, test);
            ModelProfile denseProfile = ModelProfile.of(block, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            System.out.printf("dense %s: %s, %,d parameters%n", zoo.modelName(), dense, denseProfile.params());

            SparsityPlan plan = plan(block, out, test, denseProfile);
            Files.writeString(out.resolve("plan.json"), plan.toJson());

            // Accuracy right after pruning, on a copy of the weights kept on disk.
            Path denseFile = out.resolve("dense.params");
            ParameterFiles.save(block, denseFile);
            PruningMasks oneShot = ai.djl.pruning.unstructured.MagnitudePruner.builder().build().masks(block, plan);
            oneShot.apply(block);
            AccuracyResult pruned = AccuracyEvaluation.evaluate(block, test);
            System.out.printf("after pruning (no fine-tuning): %s, sparsity of pruned tensors %.4f%n", pruned,
                    oneShot.sparsity());
            ParameterFiles.load(denseFile, block);

            Cifar10.Builder trainBuilder = Cifar10.builder().optDirectory(data).setShuffledSampling(batchSize, 42);
            if (trainLimit != null) {
                trainBuilder.optLimit(trainLimit);
            }
            Cifar10 train = trainBuilder.build();
            train.prepare(null);
            long t0 = System.nanoTime();
            List<EpochRecord> history = TrainingRun.builder().setEpochs(epochs).optLearningRate(lr)
                    .optWeightDecay(weightDecay).optSchedule(LearningRateSchedule.Kind.COSINE)
                    .optPruning(plan, schedule).setOutput(out.resolve("finetune")).build()
                    .fit(m, train, test);
            double trainMinutes = (System.nanoTime() - t0) / 60e9;
            AccuracyResult tuned = AccuracyEvaluation.evaluate(block, test);
            report(out, zoo, block, dense, pruned, tuned, denseProfile, plan, history, trainMinutes, denseFile);
        }
        return 0;
    }

    private SparsityPlan plan(ai.djl.nn.Block block, Path out, Cifar10 test, ModelProfile denseProfile) throws Exception {
        if (uniformSparsity != null) {
            return SparsityPlan.uniform(PrunableParameters.of(block).keySet(), uniformSparsity);
        }
        Path scanFile = out.resolve("scan.json");
        SensitivityResult scan;
        if (Files.isRegularFile(scanFile)) {
            scan = SensitivityResult.fromJson(Files.readString(scanFile));
            System.out.println("sensitivity scan: reusing " + scanFile);
        } else {
            Cifar10 subset = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).optLimit(scanImages)
                    .setSampling(250, false).build();
            subset.prepare(null);
            long t0 = System.nanoTime();
            scan = SensitivityScan.builder().optSparsities(grid).optProgress(System.out::println).build()
                    .run(block, b -> AccuracyEvaluation.evaluate(b, subset).percent(),
                            "first " + subset.size() + " test images");
            System.out.printf("sensitivity scan: %d tensors × %d sparsities on %s in %.1f min%n",
                    scan.accuracies().size(), grid.length, scan.evaluatedOn(), (System.nanoTime() - t0) / 60e9);
            String json = scan.toJson();
            AtomicFiles.write(scanFile, o -> o.write(json.getBytes(StandardCharsets.UTF_8)));
            Files.writeString(out.resolve("scan.csv"), scan.toCsv());
            Plots.sensitivityCurves(scan, TorchParameterNames.aliases(block), out.resolve("sensitivity.png"));
        }
        SparsityAllocator.Allocation a = SparsityAllocator.builder().build()
                .allocate(scan, denseProfile.params(), budget);
        System.out.printf(Locale.ROOT, "allocation: %,d nonzero of %,d (budget %,d = %.0f%%), predicted accuracy %.2f%% "
                + "(scan subset dense %.2f%%)%n", a.nonzeroParams(), denseProfile.params(), a.budget(), 100 * budget,
                a.predictedAccuracy(), scan.denseAccuracy());
        return a.plan();
    }

    private void report(Path out, CifarModel zoo, ai.djl.nn.Block block, AccuracyResult dense, AccuracyResult pruned,
            AccuracyResult tuned, ModelProfile denseProfile, SparsityPlan plan, List<EpochRecord> history,
            double trainMinutes, Path denseFile) throws Exception {
        ModelProfile sparse = ModelProfile.of(block, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
        CompressionReport report = CompressionReport.builder()
                .addProfiles(denseProfile, sparse, 32)
                .add("Accuracy after pruning (%)", dense.percent(), pruned.percent(), true)
                .addAccuracy(dense.percent(), tuned.percent())
                .build();
        Path sparseFile = out.resolve("pruned.sparse");
        SparseParameterFile.save(block, sparseFile);
        Map<String, String> names = TorchParameterNames.aliases(block);
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# Fine-grained pruning of %s%n%nMachine: %s%n%n", zoo.modelName(),
                EngineConfiguration.describeInForce()));
        md.append(report.toMarkdown()).append('\n');
        md.append(String.format(Locale.ROOT, "Dense %s → after pruning %s → after %d fine-tuning epochs %s "
                + "(%.1f min of training).%n%n", dense, pruned, history.size(), tuned, trainMinutes));
        md.append(String.format(Locale.ROOT, "Files: dense DJL parameters %,d bytes; sparse file %,d bytes (%.1f%%).%n%n",
                Files.size(denseFile), Files.size(sparseFile), 100.0 * Files.size(sparseFile) / Files.size(denseFile)));
        md.append("| epoch | train loss | train acc | test acc |\n|---:|---:|---:|---:|\n");
        history.forEach(h -> md.append(String.format(Locale.ROOT, "| %d | %.4f | %.2f | %.2f |%n", h.epoch(),
                h.trainLoss(), h.trainAccuracy(), h.testAccuracy())));
        md.append("\n| tensor | elements | target sparsity | achieved |\n|---|---:|---:|---:|\n");
        for (var l : sparse.layers()) {
            String weight = l.path() + "_weight";
            if (plan.sparsities().containsKey(weight)) {
                md.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %.4f |%n", names.getOrDefault(weight, weight),
                        PrunableParameters.require(block, weight).getArray().size(), plan.sparsities().get(weight),
                        1 - (double) nonzero(block, weight) / PrunableParameters.require(block, weight).getArray().size()));
            }
        }
        Files.writeString(out.resolve("report.md"), md.toString());
        System.out.print(report.toText());
        System.out.println(md);
        System.out.printf("trainable parameters %,d; report: %s%n", ParameterCounts.trainable(block), out.resolve("report.md"));
    }

    private static long nonzero(ai.djl.nn.Block block, String path) {
        try (var nz = PrunableParameters.require(block, path).getArray().countNonzero()) {
            return nz.getLong();
        }
    }
}
