package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.ParameterCounts;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Prints the parameter count and test accuracy of a zoo model with given weights. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a zoo model's top-1 accuracy on the CIFAR-10 test set.")
final class EvaluateCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Override
    public Integer call() throws Exception {
        CifarModel zoo = options.zooModel();
        Cifar10 test = options.testSet();
        try (Model model = ZooModels.load(zoo, options.weights)) {
            long params = ParameterCounts.trainable(model.getBlock());
            long start = System.nanoTime();
            AccuracyResult accuracy = AccuracyEvaluation.evaluate(model.getBlock(), test);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("model       %s%n", zoo.modelName());
            System.out.printf("weights     %s%n", options.weights == null ? ZooModels.pretrained(zoo) : options.weights);
            System.out.printf("parameters  %,d%n", params);
            System.out.printf("accuracy    %s%n", accuracy);
            System.out.printf("time        %.1f s (%.0f images/s)%n", seconds, accuracy.total() / seconds);
        }
        return 0;
    }
}
