package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.pruning.io.ParameterFiles;
import ai.djl.pruning.examples.zoo.ZooModels;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Saves a zoo model's weights (from any supported file) as DJL parameters. */
@Command(name = "save", mixinStandardHelpOptions = true,
        description = "Load a zoo model's weights (PyTorch or DJL file, default: pretrained) and save them "
                + "as a DJL .params file, written atomically.")
final class ConvertCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Option(names = {"-o", "--output"}, required = true, description = "The .params file to write.")
    Path output;

    @Override
    public Integer call() throws Exception {
        try (Model model = ZooModels.load(options.zooModel(), options.weights)) {
            ParameterFiles.save(model.getBlock(), output);
        }
        System.out.println("saved " + output);
        return 0;
    }
}
