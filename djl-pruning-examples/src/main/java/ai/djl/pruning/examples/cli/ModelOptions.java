package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.ModelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import picocli.CommandLine.Option;

/** Options shared by commands that take a zoo model, its weights and the data. */
final class ModelOptions {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet20",
            description = "Zoo model: resnet20, resnet32, resnet44, resnet56, resnet110, vgg, vgg-slim70, mobilenetv2, mobilenetv2-half, ghost-shuffle (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = {"-w", "--weights"},
            description = "Weights: a PyTorch file (.th/.pt/.pth) or DJL parameters (.params); "
                    + "default: the zoo's pretrained checkpoint.")
    Path weights;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched "
            + "(-Ddjl.pruning.cifar10, $CIFAR10_DIR, ../shared/cifar10, DJL cache), else downloaded.")
    Path data;

    @Option(names = "--batch-size", defaultValue = "256", description = "Evaluation batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--limit", description = "Use only the first N test images.")
    Long limit;

    CifarModel zooModel() {
        return CifarModel.of(model);
    }

    Cifar10 testSet() throws IOException {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
        }
        Cifar10.Builder b = Cifar10.builder()
                .optUsage(Cifar10.Usage.TEST)
                .optDirectory(data)
                .setSampling(batchSize, false);
        if (limit != null) {
            if (limit <= 0) {
                throw new IllegalArgumentException("--limit must be positive, got " + limit);
            }
            b.optLimit(limit);
        }
        Cifar10 test = b.build();
        test.prepare(null);
        return test;
    }

    /**
     * Opens a model given on the command line as a folder saved by a pruning command (architecture +
     * parameters) or as a zoo name.
     *
     * @param nameOrFolder the argument
     * @param pretrained for a zoo name: its pretrained weights, else a random initialisation
     * @return the model
     */
    static Model openSavedOrZoo(String nameOrFolder, boolean pretrained) throws Exception {
        Path dir = Paths.get(nameOrFolder);
        if (Files.isRegularFile(dir.resolve(ModelFiles.ARCHITECTURE))) {
            Model m = Model.newInstance(String.valueOf(dir.getFileName()));
            m.setBlock(ModelFiles.load(dir, m.getNDManager()));
            return m;
        }
        CifarModel zoo = CifarModel.of(nameOrFolder);
        return pretrained ? ZooModels.load(zoo, null) : ZooModels.newModel(zoo);
    }
}
