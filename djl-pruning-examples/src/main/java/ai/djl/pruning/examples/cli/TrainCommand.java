package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.LearningRateSchedule;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Trains from scratch or fine-tunes a zoo model, resumably. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a zoo model from scratch or fine-tune it on CIFAR-10 with SGD; writes a "
                + "checkpoint per epoch and resumes from the newest one when run again with the same --output.")
final class TrainCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet20", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--init", defaultValue = "scratch",
            description = "Starting weights: scratch, pretrained, or a weights file (default: ${DEFAULT-VALUE}).")
    String init;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.1", description = "Initial learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    float momentum;

    @Option(names = "--wd", defaultValue = "1e-4", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--schedule", defaultValue = "cosine", description = "cosine, step or constant (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--batch-size", defaultValue = "128", description = "Training batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", description = "Shuffle and augmentation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--train-limit", description = "Use only the first N training images.")
    Long trainLimit;

    @Option(names = "--test-limit", description = "Use only the first N test images.")
    Long testLimit;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, description = "Checkpoint folder (default: runs/<model>-train).")
    Path output;

    @Override
    public Integer call() throws Exception {
        CifarModel zoo = CifarModel.of(model);
        if (batchSize <= 0) {
            throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
        }
        TrainingRun run = TrainingRun.builder()
                .setEpochs(epochs)
                .optLearningRate(lr)
                .optMomentum(momentum)
                .optWeightDecay(weightDecay)
                .optSchedule(LearningRateSchedule.Kind.of(schedule))
                .setOutput(output == null ? Paths.get("runs", zoo.modelName() + "-train") : output)
                .build();
        Cifar10.Builder trainBuilder = Cifar10.builder().optUsage(Cifar10.Usage.TRAIN).optDirectory(data)
                .optSeed(seed).setShuffledSampling(batchSize, seed);
        Cifar10.Builder testBuilder = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data)
                .setSampling(256, false);
        if (trainLimit != null) {
            trainBuilder.optLimit(trainLimit);
        }
        if (testLimit != null) {
            testBuilder.optLimit(testLimit);
        }
        Cifar10 train = trainBuilder.build();
        Cifar10 test = testBuilder.build();
        train.prepare(null);
        test.prepare(null);
        try (Model m = openModel(zoo)) {
            List<EpochRecord> history = run.fit(m, train, test);
            if (!history.isEmpty()) {
                System.out.println("final: " + history.get(history.size() - 1).line());
            }
        }
        return 0;
    }

    private Model openModel(CifarModel zoo) throws Exception {
        switch (init) {
            case "scratch":
                return ZooModels.newModel(zoo);
            case "pretrained":
                return ZooModels.load(zoo, null);
            default:
                return ZooModels.load(zoo, Paths.get(init));
        }
    }
}
