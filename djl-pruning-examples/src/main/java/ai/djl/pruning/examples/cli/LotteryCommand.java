package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.LearningRateSchedule;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.ParameterFiles;
import ai.djl.pruning.training.LotteryTicket;
import ai.djl.pruning.training.RewindCapture;
import ai.djl.pruning.training.TicketInit;
import ai.djl.pruning.training.WeightSnapshot;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.training.listener.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Lottery tickets on a zoo model trained from scratch: iterative magnitude pruning with rewinding, and at
 * every sparsity level the controls of Liu et al. 2019 and Zhou et al. 2019 on the same masks.
 */
@Command(name = "lottery", mixinStandardHelpOptions = true,
        description = "Iterative magnitude pruning from scratch with rewinding (lottery ticket), and at each sparsity "
                + "level the controls: random re-initialisation, sign-only, random signs, shuffled values, supermask. "
                + "Every training run is checkpointed per epoch; a rerun with the same --output continues.")
final class LotteryCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet20", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--rounds", defaultValue = "3", description = "Pruning rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--rate", defaultValue = "0.5",
            description = "Fraction of the surviving weights pruned per round (default: ${DEFAULT-VALUE}: 50/75/87.5 %%).")
    double rate;

    @Option(names = "--scope", defaultValue = "GLOBAL",
            description = "One magnitude threshold for all tensors or one per tensor: ${COMPLETION-CANDIDATES} "
                    + "(default: ${DEFAULT-VALUE}).")
    LotteryTicket.Scope scope;

    @Option(names = "--prunable", defaultValue = "conv",
            description = "Regular expression of the pruned weights' paths or names (default: ${DEFAULT-VALUE}).")
    String prunable;

    @Option(names = "--rewind-step", defaultValue = "0",
            description = "Rewind survivors to their values after this many steps of dense training (0: θ₀; "
                    + "default: ${DEFAULT-VALUE}).")
    long rewindStep;

    @Option(names = "--controls", split = ",", defaultValue = "rewind,reinit,sign,random-sign,shuffle,supermask",
            description = "Ticket initialisations at each level (default: ${DEFAULT-VALUE}).")
    List<String> controls;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs of every training (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.1", description = "Initial learning rate, cosine (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--batch-size", defaultValue = "128", description = "Training batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--train-subset", description = "Train on the first N training images only (the budget).")
    Long trainSubset;

    @Option(names = "--test-limit", description = "Evaluate on the first N test images only.")
    Long testLimit;

    @Option(names = "--seed", defaultValue = "42", description = "Initialisation, data-order and control seed "
            + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/lottery-<model>).")
    Path output;

    @Override
    public Integer call() throws Exception {
        CifarModel zoo = CifarModel.of(model);
        List<TicketInit> inits = controls.stream().map(TicketInit::of).toList();
        if (epochs <= 0 || batchSize <= 0 || (trainSubset != null && trainSubset <= 0)) {
            throw new IllegalArgumentException("--epochs, --batch-size and --train-subset must be positive");
        }
        if (!inits.contains(TicketInit.REWIND)) {
            throw new IllegalArgumentException("--controls must include rewind: it carries the pruning chain");
        }
        LotteryTicket imp = LotteryTicket.builder().optRate(rate).optRounds(rounds).optScope(scope)
                .optPrunable(prunable).optRewindStep(rewindStep).build();
        Path out = output == null ? Paths.get("runs", "lottery-" + zoo.modelName()) : output;
        Files.createDirectories(out);
        Cifar10.Builder tb = Cifar10.builder().optUsage(Cifar10.Usage.TRAIN).optDirectory(data).optSeed(seed)
                .setShuffledSampling(batchSize, seed);
        if (trainSubset != null) {
            tb.optLimit(trainSubset);
        }
        Cifar10 train = tb.build();
        Cifar10.Builder sb = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(250, false);
        if (testLimit != null) {
            sb.optLimit(testLimit);
        }
        Cifar10 test = sb.build();
        train.prepare(null);
        test.prepare(null);
        System.out.println(imp + "; " + epochs + " epochs per training on " + train.size() + " images");

        Engine.getInstance().setRandomSeed((int) seed);
        try (Model m = ZooModels.newModel(zoo); Model other = ZooModels.newModel(zoo)) {
            Block block = m.getBlock();
            imp.prunablePaths(block); // fails early on a pattern that selects nothing
            WeightSnapshot theta0 = snapshot(out.resolve("theta-0.snap"), block);
            WeightSnapshot fresh = snapshot(out.resolve("fresh-init.snap"), other.getBlock());
            theta0.restore(block);

            // Round 0: the dense network, capturing θ_k on the way.
            Path rewindFile = out.resolve("theta-" + rewindStep + ".snap");
            List<TrainingListener> listeners = new ArrayList<>();
            if (rewindStep > 0 && !Files.isRegularFile(rewindFile)) {
                listeners.add(new RewindCapture(block, rewindStep, s -> save(s, rewindFile)));
            }
            double dense = fit(m, out.resolve("dense"), null, listeners, train, test);
            if (!Files.isRegularFile(rewindFile)) {
                throw new IllegalStateException("no θ_" + rewindStep + " snapshot in " + out + ": the dense run has "
                        + "fewer steps, or was trained before; delete " + out.resolve("dense") + " to start over");
            }
            WeightSnapshot rewindPoint = WeightSnapshot.load(rewindFile);

            Map<Integer, Map<TicketInit, Double>> table = new LinkedHashMap<>();
            Map<Integer, Double> sparsity = new LinkedHashMap<>();
            PruningMasks masks = PruningMasks.of(Map.of());
            Path previous = out.resolve("dense");
            for (int r = 1; r <= rounds; r++) {
                Path dir = out.resolve("round-" + r);
                Path maskFile = dir.resolve("masks");
                if (Files.isRegularFile(maskFile)) {
                    masks = PruningMasks.load(maskFile);
                } else {
                    // Prune the survivors of the previous round's trained ticket (the dense net in round 1).
                    ParameterFiles.load(finalParams(previous), block);
                    masks = imp.nextMasks(block, masks);
                    Files.createDirectories(dir);
                    masks.save(maskFile);
                }
                sparsity.put(r, masks.sparsity());
                System.out.printf(Locale.ROOT, "round %d: sparsity %.4f of the pruned tensors%n", r, masks.sparsity());
                Map<TicketInit, Double> row = new LinkedHashMap<>();
                for (TicketInit init : inits) {
                    LotteryTicket.reset(block, masks, init, init == TicketInit.SUPERMASK ? theta0 : rewindPoint,
                            fresh, seed + r);
                    double acc = init.trains() ? fit(m, dir.resolve(init.cliName()), masks, List.of(), train, test)
                            : AccuracyEvaluation.evaluate(block, test).percent();
                    row.put(init, acc);
                    System.out.printf(Locale.ROOT, "round %d %s: %.2f%%%n", r, init.cliName(), acc);
                }
                table.put(r, row);
                writeReport(out, imp, train.size(), test.size(), dense, inits, table, sparsity);
                // The IMP chain continues from the rewound ticket (the lottery ticket proper).
                previous = dir.resolve(TicketInit.REWIND.cliName());
            }
            writeReport(out, imp, train.size(), test.size(), dense, inits, table, sparsity);
            System.out.print(Files.readString(out.resolve("report.md")));
        }
        return 0;
    }

    private static WeightSnapshot snapshot(Path file, Block block) throws Exception {
        if (Files.isRegularFile(file)) {
            return WeightSnapshot.load(file);
        }
        WeightSnapshot s = WeightSnapshot.of(block);
        s.save(file);
        return s;
    }

    private static void save(WeightSnapshot s, Path file) {
        try {
            s.save(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path finalParams(Path runDir) throws IOException {
        try (var files = Files.list(runDir)) {
            return files.filter(f -> f.getFileName().toString().matches("epoch-\\d+\\.params")).sorted()
                    .reduce((a, b) -> b).orElseThrow(() -> new IllegalStateException("no trained checkpoint in " + runDir));
        }
    }

    private double fit(Model m, Path dir, PruningMasks masks, List<TrainingListener> listeners, Cifar10 train,
            Cifar10 test) throws Exception {
        TrainingRun.Builder b = TrainingRun.builder().setEpochs(epochs).optLearningRate(lr)
                .optSchedule(LearningRateSchedule.Kind.COSINE).optCheckpointSteps(0).setOutput(dir)
                .addTrainingListeners(listeners.toArray(TrainingListener[]::new));
        if (masks != null) {
            b.optMasks(masks);
        }
        List<EpochRecord> history = b.build().fit(m, train, test);
        return history.get(history.size() - 1).testResult().percent();
    }

    private void writeReport(Path out, LotteryTicket imp, long images, long testImages, double dense, List<TicketInit> inits,
            Map<Integer, Map<TicketInit, Double>> table, Map<Integer, Double> sparsity) throws IOException {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "# Lottery tickets: %s from scratch%n%n%s; every training %d epoch(s) (SGD lr %s cosine, batch %d) on %d "
                        + "training images; test top-1 (%%) on %d test images; sparsity of the pruned tensors."
                        + "%n%nDense: %.2f%%%n%n| round | sparsity |",
                model, imp, epochs, lr, batchSize, images, testImages, dense));
        inits.forEach(i -> md.append(' ').append(i.cliName()).append(" |"));
        md.append("\n|---:|---:|");
        inits.forEach(i -> md.append("---:|"));
        md.append('\n');
        table.forEach((r, row) -> {
            md.append(String.format(Locale.ROOT, "| %d | %.1f%% |", r, 100 * sparsity.get(r)));
            inits.forEach(i -> md.append(row.containsKey(i) ? String.format(Locale.ROOT, " %.2f |", row.get(i)) : " |"));
            md.append('\n');
        });
        String text = md.toString();
        AtomicFiles.write(out.resolve("report.md"), o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
