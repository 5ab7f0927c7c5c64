package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.LearningRateSchedule;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.Importance;
import ai.djl.pruning.training.NetworkSlimming;
import ai.djl.pruning.training.ScratchControl;
import ai.djl.pruning.training.SlimmingPlan;
import ai.djl.pruning.training.WeightSnapshot;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Network slimming from scratch beside plain L1 filter pruning at equal MACs, with the "rethinking"
 * control (the slimmed architecture trained from scratch).
 */
@Command(name = "slimming", mixinStandardHelpOptions = true,
        description = "Network slimming (train with λ·Σ|γ|, global γ threshold for a MAC target, prune, fine-tune) "
                + "beside plain training + L1 filter pruning at the same MAC target, γ-threshold pruning without the "
                + "penalty, and the slimmed architecture trained from scratch. Every training is checkpointed per "
                + "epoch; a rerun with the same --output continues.")
final class SlimmingCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet20", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--lambda", defaultValue = "1e-4", description = "Weight λ of Σ|γ| (default: ${DEFAULT-VALUE}).")
    float lambda;

    @Option(names = "--macs", defaultValue = "0.5",
            description = "Target MACs as a fraction of the original (default: ${DEFAULT-VALUE}).")
    double macFraction;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs of the (sparsity) training (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--finetune-epochs", defaultValue = "2", description = "Fine-tuning epochs (default: ${DEFAULT-VALUE}).")
    int finetuneEpochs;

    @Option(names = "--lr", defaultValue = "0.1", description = "Training learning rate, cosine (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--finetune-lr", defaultValue = "0.01",
            description = "Fine-tuning learning rate, cosine (default: ${DEFAULT-VALUE}).")
    float finetuneLr;

    @Option(names = "--scratch", defaultValue = "same",
            description = "Budget of the from-scratch control: same (epochs + fine-tune epochs), scaled (that divided "
                    + "by the MAC fraction) or none (default: ${DEFAULT-VALUE}).")
    String scratch;

    @Option(names = "--batch-size", defaultValue = "128", description = "Training batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--train-subset", description = "Train on the first N training images only (the budget).")
    Long trainSubset;

    @Option(names = "--test-limit", description = "Evaluate on the first N test images only.")
    Long testLimit;

    @Option(names = "--seed", defaultValue = "42", description = "Initialisation and data-order seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/slimming-<model>).")
    Path output;

    private Cifar10 train;
    private Cifar10 test;
    private final StringBuilder md = new StringBuilder();

    @Override
    public Integer call() throws Exception {
        CifarModel zoo = CifarModel.of(model);
        if (epochs <= 0 || finetuneEpochs <= 0 || batchSize <= 0 || (trainSubset != null && trainSubset <= 0)) {
            throw new IllegalArgumentException("--epochs, --finetune-epochs, --batch-size and --train-subset must be positive");
        }
        if (!List.of("same", "scaled", "none").contains(scratch)) {
            throw new IllegalArgumentException("--scratch must be same, scaled or none, got " + scratch);
        }
        NetworkSlimming slimming = NetworkSlimming.builder().optLambda(lambda).setMacFraction(macFraction).build();
        NetworkSlimming noPenalty = NetworkSlimming.builder().optLambda(0).setMacFraction(macFraction).build();
        Path out = output == null ? Paths.get("runs", "slimming-" + zoo.modelName()) : output;
        Files.createDirectories(out);
        Cifar10.Builder tb = Cifar10.builder().optUsage(Cifar10.Usage.TRAIN).optDirectory(data).optSeed(seed)
                .setShuffledSampling(batchSize, seed);
        if (trainSubset != null) {
            tb.optLimit(trainSubset);
        }
        train = tb.build();
        Cifar10.Builder sb = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(250, false);
        if (testLimit != null) {
            sb.optLimit(testLimit);
        }
        test = sb.build();
        train.prepare(null);
        test.prepare(null);
        md.append(String.format(Locale.ROOT, "# Network slimming vs L1 filter pruning: %s from scratch, MAC target %.2f%n%n"
                + "Training %d epoch(s) (SGD lr %s cosine, batch %d) on %d training images; fine-tuning %d epoch(s) at lr %s; "
                + "slimming λ = %s; test top-1 (%%) on %d test images.%n%n"
                + "| method | trained with | MACs (M) | MAC fraction | params (M) | top-1 trained | top-1 pruned | "
                + "top-1 fine-tuned |%n|---|---|---:|---:|---:|---:|---:|---:|%n",
                model, macFraction, epochs, lr, batchSize, train.size(), finetuneEpochs, finetuneLr, lambda, test.size()));

        Engine.getInstance().setRandomSeed((int) seed);
        try (Model dense = ZooModels.newModel(zoo); Model sparse = ZooModels.newModel(zoo)) {
            Path theta0File = out.resolve("theta-0.snap");
            WeightSnapshot theta0;
            if (Files.isRegularFile(theta0File)) {
                theta0 = WeightSnapshot.load(theta0File);
            } else {
                theta0 = WeightSnapshot.of(dense.getBlock());
                theta0.save(theta0File);
            }
            theta0.restore(dense.getBlock());
            theta0.restore(sparse.getBlock());
            long baseMacs = ModelProfile.of(dense.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR).macs();

            // Plain training, then L1 filter pruning (uniform ratio per coupled group) to the MAC target.
            double denseAcc = fit(dense, out.resolve("dense"), epochs, lr, null, null);
            row("(dense)", "plain", dense.getBlock(), baseMacs, denseAcc, Double.NaN, Double.NaN);
            try (Model l1 = Model.newInstance("l1")) {
                ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.l1()).build();
                ChannelPruningPlan plan = pruner.planForMacs(dense.getBlock(), ZooModels.INPUT_SHAPE, macFraction,
                        l1.getNDManager());
                l1.setBlock(pruner.apply(dense.getBlock(), plan, l1.getNDManager()));
                double pruned = AccuracyEvaluation.evaluate(l1.getBlock(), test).percent();
                double tuned = fit(l1, out.resolve("l1").resolve("finetune"), finetuneEpochs, finetuneLr, null, null);
                row("L1 filter norm (uniform)", "plain", l1.getBlock(), baseMacs, denseAcc, pruned, tuned);
            }
            // γ threshold without the penalty: what the penalty adds.
            try (Model g = Model.newInstance("gamma")) {
                SlimmingPlan plan = noPenalty.plan(dense.getBlock(), ZooModels.INPUT_SHAPE, g.getNDManager());
                System.out.println("λ = 0: " + plan);
                g.setBlock(noPenalty.apply(dense.getBlock(), plan, g.getNDManager()));
                double pruned = AccuracyEvaluation.evaluate(g.getBlock(), test).percent();
                double tuned = fit(g, out.resolve("gamma-no-penalty").resolve("finetune"), finetuneEpochs, finetuneLr,
                        null, null);
                row(String.format(Locale.ROOT, "BN-γ threshold %.4g", plan.threshold()), "plain", g.getBlock(),
                        baseMacs, denseAcc, pruned, tuned);
            }
            // Network slimming: the three stages in one call, each stage a checkpointed run.
            double[] slim = new double[3]; // trained, pruned, fine-tuned
            NetworkSlimming.Result result = slimming.run(sparse, ZooModels.INPUT_SHAPE, (m, loss, stage) -> {
                if (stage == NetworkSlimming.Stage.SPARSITY) {
                    slim[0] = fit(m, out.resolve("sparse"), epochs, lr, loss, "slimming(λ=" + lambda + ")");
                    writeGammas(m.getBlock(), out.resolve("sparse-gammas.csv"));
                } else {
                    ModelFiles.save(m.getBlock(), ZooModels.INPUT_SHAPE, out.resolve("slim").resolve("model"));
                    slim[1] = AccuracyEvaluation.evaluate(m.getBlock(), test).percent();
                    slim[2] = fit(m, out.resolve("slim").resolve("finetune"), finetuneEpochs, finetuneLr, null, null);
                }
            });
            try (Model slimmed = result.pruned()) {
                System.out.println(result.plan());
                AtomicFiles.write(out.resolve("slim").resolve("plan.txt"),
                        o -> o.write(result.plan().toString().getBytes(StandardCharsets.UTF_8)));
                row(String.format(Locale.ROOT, "slimming, γ threshold %.4g", result.plan().threshold()),
                        "λ·Σ\\|γ\\|, λ = " + lambda, slimmed.getBlock(), baseMacs, slim[0], slim[1], slim[2]);
                if (!scratch.equals("none")) {
                    double fraction = result.plan().macFraction();
                    int budget = scratch.equals("same") ? epochs + finetuneEpochs
                            : ScratchControl.scaledEpochs(epochs + finetuneEpochs, fraction);
                    try (Model fresh = Model.newInstance("scratch")) {
                        fresh.setBlock(ScratchControl.reinitialised(slimmed.getBlock(), ZooModels.INPUT_SHAPE,
                                new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
                                        XavierInitializer.FactorType.IN, 2), fresh.getNDManager()));
                        double acc = fit(fresh, out.resolve("slim-scratch-" + scratch), budget, lr, null, null);
                        row("slimmed architecture from scratch", budget + " epochs at lr " + lr, fresh.getBlock(),
                                baseMacs, acc, Double.NaN, Double.NaN);
                    }
                }
            }
        }
        String text = md.toString();
        AtomicFiles.write(out.resolve("report.md"), o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
        System.out.print(text);
        return 0;
    }

    private void row(String method, String trainedWith, Block block, long baseMacs, double trained, double pruned,
            double tuned) {
        ModelProfile p = ModelProfile.of(block, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
        String r = String.format(Locale.ROOT, "| %s | %s | %.2f | %.3f | %.4f | %.2f | %s | %s |%n", method, trainedWith,
                p.macs() / 1e6, (double) p.macs() / baseMacs, p.params() / 1e6, trained, fmt(pruned), fmt(tuned));
        md.append(r);
        System.out.print(r);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static void writeGammas(Block block, Path file) throws java.io.IOException {
        StringBuilder csv = new StringBuilder("parameter,channel,gamma\n");
        for (var p : block.getParameters()) {
            if (p.getValue().getType() == Parameter.Type.GAMMA) {
                float[] g = p.getValue().getArray().toFloatArray();
                for (int i = 0; i < g.length; i++) {
                    csv.append(p.getKey()).append(',').append(i).append(',').append(g[i]).append('\n');
                }
            }
        }
        String text = csv.toString();
        AtomicFiles.write(file, o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    private double fit(Model m, Path dir, int runEpochs, float rate, Loss loss, String lossName) throws Exception {
        TrainingRun.Builder b = TrainingRun.builder().setEpochs(runEpochs).optLearningRate(rate)
                .optSchedule(LearningRateSchedule.Kind.COSINE).optCheckpointSteps(0).setOutput(dir);
        if (loss != null) {
            b.optLoss(loss, lossName);
        }
        List<EpochRecord> history = b.build().fit(m, train, test);
        return history.get(history.size() - 1).testResult().percent();
    }
}
