package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.MaskedOptimizer;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Measures training and evaluation throughput on real CIFAR-10 batches. */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = "Measure training (SGD step, data loading included) and evaluation throughput in images/s.")
final class ThroughputCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, split = ",", defaultValue = "resnet20,resnet56",
            description = "Zoo models, comma-separated (default: ${DEFAULT-VALUE}).")
    String[] models;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--steps", defaultValue = "20", description = "Timed training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--eval-images", defaultValue = "5000", description = "Test images evaluated (default: ${DEFAULT-VALUE}).")
    long evalImages;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = "--mask-overhead", description = "Also time training steps with fine-grained masks held "
            + "(MaskedOptimizer, this sparsity on every conv/linear weight), alternating with plain steps.")
    Double maskSparsity;

    /** Median ms per step without and with masks held, from alternating rounds of {@code steps} steps. */
    private double[] maskOverhead(Model model, Cifar10 train) throws Exception {
        var block = model.getBlock();
        PruningMasks masks = MagnitudePruner.builder().build()
                .masks(block, SparsityPlan.uniform(PrunableParameters.of(block).keySet(), maskSparsity));
        DefaultTrainingConfig plainConfig = sgdConfig();
        DefaultTrainingConfig maskedConfig = sgdConfig();
        int rounds = 5;
        double[][] medians = new double[2][rounds];
        MaskedOptimizer optimizer = MaskedOptimizer.install(maskedConfig, block, masks);
        try (optimizer;
                Trainer plain = model.newTrainer(plainConfig);
                Trainer masked = model.newTrainer(maskedConfig)) {
            Iterator<Batch> it = plain.iterateDataset(train).iterator();
            Trainer[] trainers = {plain, masked};
            for (int r = -1; r < rounds; r++) { // round -1 warms both up
                for (int t = 0; t < 2; t++) {
                    double[] times = new double[steps];
                    for (int i = 0; i < steps; i++) {
                        if (!it.hasNext()) {
                            it = plain.iterateDataset(train).iterator();
                        }
                        try (Batch batch = it.next()) {
                            long t0 = System.nanoTime();
                            EasyTrain.trainBatch(trainers[t], batch);
                            trainers[t].step();
                            times[i] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                    if (r >= 0) {
                        medians[t][r] = LatencyBenchmark.median(times);
                    }
                }
            }
        }
        return new double[] {LatencyBenchmark.median(medians[0]), LatencyBenchmark.median(medians[1])};
    }

    private static DefaultTrainingConfig sgdConfig() {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f))
                        .optMomentum(0.9f).optWeightDecays(1e-4f).build());
    }

    @Override
    public Integer call() throws Exception {
        Cifar10 train = Cifar10.builder().optUsage(Cifar10.Usage.TRAIN).optDirectory(data)
                .setShuffledSampling(batchSize, 1).build();
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data)
                .setSampling(batchSize, false).optLimit(evalImages).build();
        train.prepare(null);
        test.prepare(null);
        Engine engine = Engine.getInstance();
        System.out.printf("engine %s %s, %d processors, batch %d; %s%n", engine.getEngineName(), engine.getVersion(),
                Runtime.getRuntime().availableProcessors(), batchSize, EngineConfiguration.describeInForce());
        System.out.println("| model | train img/s | train ms/step | eval img/s |"
                + (maskSparsity == null ? "" : " masked ms/step | mask overhead |"));
        System.out.println("|---|---:|---:|---:|" + (maskSparsity == null ? "" : "---:|---:|"));
        for (String name : models) {
            CifarModel zoo = CifarModel.of(name);
            try (Model model = ZooModels.newModel(zoo)) {
                DefaultTrainingConfig config = sgdConfig();
                double trainSeconds = 0;
                try (Trainer trainer = model.newTrainer(config)) {
                    trainer.initialize(new Shape(1, 3, 32, 32));
                    Iterator<Batch> it = trainer.iterateDataset(train).iterator();
                    for (int i = 0; i < warmup + steps; i++) {
                        long t0 = System.nanoTime();
                        try (Batch batch = it.next()) {
                            EasyTrain.trainBatch(trainer, batch);
                            trainer.step();
                        }
                        if (i >= warmup) {
                            trainSeconds += (System.nanoTime() - t0) / 1e9;
                        }
                    }
                }
                AccuracyEvaluation.evaluate(model.getBlock(), test); // warm-up pass
                long t0 = System.nanoTime();
                AccuracyEvaluation.evaluate(model.getBlock(), test);
                double evalSeconds = (System.nanoTime() - t0) / 1e9;
                String masked = "";
                if (maskSparsity != null) {
                    double[] perStep = maskOverhead(model, train);
                    masked = String.format(" %.1f | %+.2f%% |", perStep[1], 100 * (perStep[1] / perStep[0] - 1));
                }
                System.out.printf("| %s | %.1f | %.0f | %.1f |%s%n", zoo.modelName(),
                        steps * batchSize / trainSeconds, 1000 * trainSeconds / steps, test.size() / evalSeconds, masked);
            }
        }
        return 0;
    }
}
