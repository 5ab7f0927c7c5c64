package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.ParameterCounts;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Evaluates every pretrained zoo model and compares with PyTorch's counts. */
@Command(name = "accuracy-table", mixinStandardHelpOptions = true,
        description = "Evaluate every pretrained zoo ResNet on the full CIFAR-10 test set and compare "
                + "with PyTorch's correct-prediction counts.")
final class AccuracyTableCommand implements Callable<Integer> {

    /** PyTorch 1.13's correct predictions on the 10,000 test images (../shared/README.md). */
    static final Map<CifarModel, Long> PYTORCH_CORRECT = new LinkedHashMap<>();

    static {
        PYTORCH_CORRECT.put(CifarModel.RESNET20, 9173L);
        PYTORCH_CORRECT.put(CifarModel.RESNET32, 9263L);
        PYTORCH_CORRECT.put(CifarModel.RESNET44, 9310L);
        PYTORCH_CORRECT.put(CifarModel.RESNET56, 9339L);
    }

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    java.nio.file.Path data;

    @Override
    public Integer call() throws Exception {
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(250, false).build();
        test.prepare(null);
        System.out.printf("| model | params | DJL correct | DJL top-1 | PyTorch correct | equal |%n");
        System.out.printf("|---|---:|---:|---:|---:|---|%n");
        boolean allEqual = true;
        for (Map.Entry<CifarModel, Long> e : PYTORCH_CORRECT.entrySet()) {
            try (Model model = ZooModels.load(e.getKey(), null)) {
                AccuracyResult r = AccuracyEvaluation.evaluate(model.getBlock(), test);
                boolean equal = r.correct() == e.getValue() && r.total() == 10_000;
                allEqual &= equal;
                System.out.printf("| %s | %,d | %d / %d | %.2f %% | %d | %s |%n", e.getKey().modelName(),
                        ParameterCounts.trainable(model.getBlock()), r.correct(), r.total(), r.percent(),
                        e.getValue(), equal ? "yes" : "NO");
            }
        }
        return allEqual ? 0 : 1;
    }
}
