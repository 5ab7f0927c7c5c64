package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.pruning.examples.report.Plots;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes weight histograms and the parameter distribution of a model as PNG files. */
@Command(name = "plots", mixinStandardHelpOptions = true,
        description = "Write weight histograms (all values and nonzero only) and the parameter count per layer as PNG.")
final class PlotsCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet56", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = {"-w", "--weights"}, description = "Weights; default: the pretrained checkpoint.")
    Path weights;

    @Option(names = {"-o", "--output"}, defaultValue = "plots", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--bins", defaultValue = "40", description = "Histogram bins (default: ${DEFAULT-VALUE}).")
    int bins;

    @Override
    public Integer call() throws Exception {
        CifarModel zoo = CifarModel.of(model);
        try (Model m = ZooModels.open(zoo, weights)) {
            Path all = output.resolve(zoo.modelName() + "-weight-histograms.png");
            Path nonzero = output.resolve(zoo.modelName() + "-weight-histograms-nonzero.png");
            Path params = output.resolve(zoo.modelName() + "-parameter-distribution.png");
            Plots.weightHistograms(m.getBlock(), false, bins, all);
            Plots.weightHistograms(m.getBlock(), true, bins, nonzero);
            Plots.parameterDistribution(m.getBlock(), params);
            System.out.println("wrote " + all + "\nwrote " + nonzero + "\nwrote " + params);
        }
        return 0;
    }
}
