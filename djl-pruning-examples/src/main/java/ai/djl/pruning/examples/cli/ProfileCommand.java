package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the per-layer cost table of a zoo model. */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Print per-layer output shape, parameters, nonzeros, sparsity, MACs and memory accesses "
                + "of a zoo model for one 3×32×32 image, with totals.")
final class ProfileCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet20", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = {"-w", "--weights"}, description = "Weights to load (sparsity is read from them); default: "
            + "pretrained where the zoo has them, else random initialisation.")
    Path weights;

    @Option(names = "--convention", defaultValue = "conv-linear",
            description = "MAC convention: conv-linear (conv and linear only) or torchprofile (also BatchNorm, "
                    + "average pooling, element-wise add: one per output element) (default: ${DEFAULT-VALUE}).")
    String convention;

    @Option(names = "--json", description = "Also write the profile as JSON to this file.")
    Path json;

    @Override
    public Integer call() throws Exception {
        CifarModel zoo = CifarModel.of(model);
        MacConvention mac = parseConvention(convention);
        try (Model m = ZooModels.open(zoo, weights)) {
            ModelProfile profile = ModelProfile.of(m.getBlock(), ZooModels.INPUT_SHAPE, mac);
            System.out.print(profile.toTable());
            if (json != null) {
                String text = profile.toJson();
                AtomicFiles.write(json, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
            }
        }
        return 0;
    }

    static MacConvention parseConvention(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "conv-linear":
                return MacConvention.CONV_LINEAR;
            case "torchprofile":
                return MacConvention.TORCHPROFILE;
            default:
                throw new IllegalArgumentException("unknown MAC convention '" + name + "'; use conv-linear or torchprofile");
        }
    }
}
