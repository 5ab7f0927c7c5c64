package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.IterativeCompression;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.structured.CalibrationData;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.Importance;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The long, resumable compression run: iterative channel pruning with distilled recovery, then a long fine-tune. */
@Command(name = "compress", mixinStandardHelpOptions = true,
        description = "Prune a pretrained zoo model in steps to ever smaller MAC targets, each followed by a distilled "
                + "recovery, then fine-tune long with logit distillation from the original (cosine). Resumable: a "
                + "rerun on the same --output continues where it stopped; --status prints where it stands.")
final class CompressCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--steps", split = ",", defaultValue = "0.77,0.59,0.4",
            description = "MAC targets as fractions of the original's, decreasing (default: ${DEFAULT-VALUE}, "
                    + "i.e. 1.3×, 1.7×, 2.5× fewer).")
    List<Double> steps;

    @Option(names = "--recovery-epochs", defaultValue = "1", description = "Distilled epochs after each step (default: ${DEFAULT-VALUE}).")
    int recoveryEpochs;

    @Option(names = "--epochs", defaultValue = "30", description = "Epochs of the final distilled fine-tune (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--criterion", defaultValue = "l1", description = "Importance criterion (default: ${DEFAULT-VALUE}).")
    String criterion;

    @Option(names = "--global", description = "Rank all channels of the network together instead of a uniform ratio.")
    boolean global;

    @Option(names = "--protect", description = "Regular expression of DJL layer paths whose groups keep their width.")
    String protect;

    @Option(names = "--round-to", defaultValue = "8",
            description = "Keep every width a multiple of this (default: ${DEFAULT-VALUE}); with DJL_PRUNING_WIDTHS=M "
                    + "it must be a multiple of M.")
    int roundTo;

    @Option(names = "--lr", defaultValue = "0.01", description = "Final fine-tune learning rate, cosine (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--recovery-lr", defaultValue = "0.01", description = "Recovery learning rate, cosine (default: ${DEFAULT-VALUE}).")
    float recoveryLr;

    @Option(names = {"-T", "--temperature"}, defaultValue = "4", description = "KD temperature (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--alpha", defaultValue = "0.9", description = "KD weight α (default: ${DEFAULT-VALUE}).")
    float alpha;

    @Option(names = "--checkpoint-steps", defaultValue = "50",
            description = "Checkpoint every N training steps inside an epoch too (default: ${DEFAULT-VALUE}).")
    int checkpointSteps;

    @Option(names = "--train-limit", description = "Use only the first N training images (a quick check).")
    Long trainLimit;

    @Option(names = "--status", description = "Print where the run in --output stands and exit.")
    boolean status;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/compress-<model>).")
    Path output;

    @Override
    public Integer call() throws Exception {
        Path out = output == null ? Paths.get("runs", "compress-" + modelOptions.zooModel().modelName()) : output;
        if (status) {
            System.out.print(IterativeCompression.status(out));
            return 0;
        }
        int multiple = EngineConfiguration.channelMultiple(System.getenv());
        if (roundTo < 1 || roundTo % multiple != 0) {
            throw new IllegalArgumentException("--round-to " + roundTo + " must be a positive multiple of "
                    + EngineConfiguration.WIDTHS_VARIABLE + "=" + multiple + ": the engine is only checked for such widths");
        }
        Cifar10 calibration = Cifar10.builder().optDirectory(modelOptions.data).optAugment(false)
                .setShuffledSampling(128, 7).build();
        CalibrationData calibrationData = new CalibrationData(calibration, 8);
        Importance.of(criterion, 0, calibrationData); // fail early on an unknown name
        IterativeCompression run = IterativeCompression.builder().setSteps(steps).optRecoveryEpochs(recoveryEpochs)
                .setEpochs(epochs).optLearningRates(recoveryLr, lr).optDistillation(temperature, alpha)
                .optCheckpointSteps(checkpointSteps).setOutput(out)
                .setPruner(step -> {
                    ChannelPruner.Builder b = ChannelPruner.builder().optImportance(
                            Importance.of(criterion, 42 + step, calibrationData)).optGlobalRanking(global)
                            .optRoundTo(roundTo);
                    return (protect == null ? b : b.optProtect(protect)).build();
                }).build();
        Cifar10 test = modelOptions.testSet();
        Cifar10 train = Cifar10.builder().optDirectory(modelOptions.data).setShuffledSampling(128, 42)
                .optLimit(trainLimit == null ? Long.MAX_VALUE : trainLimit).build();
        try (Model teacher = ZooModels.load(modelOptions.zooModel(), modelOptions.weights);
                NDManager manager = NDManager.newBaseManager()) {
            run.run(teacher.getBlock(), train, test, manager);
        }
        System.out.print(IterativeCompression.status(out));
        return 0;
    }
}
