package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.torchscript.TorchScriptModels;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.MaskedOptimizer;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A TorchScript model in, a fine-grained pruned TorchScript model out: load with trainable parameters,
 * mask by magnitude, fine-tune with the masks held, save as TorchScript, and write what PyTorch should
 * see ({@code src-test-resources/check_torchscript_in_pytorch.py} checks it).
 */
@Command(name = "torchscript", mixinStandardHelpOptions = true,
        description = "Prune a TorchScript CIFAR-10 classifier by magnitude, fine-tune it with the masks held, and save "
                + "it as TorchScript (plus a JSON of reference outputs and pruned counts for a PyTorch-side check).")
final class TorchScriptCommand implements Callable<Integer> {

    @Option(names = "--file", defaultValue = "src-test-resources/torchscript/resnet20.pt",
            description = "The TorchScript model (default: ${DEFAULT-VALUE}, the pretrained ResNet-20 traced by PyTorch).")
    Path file;

    @Option(names = "--sparsity", defaultValue = "0.5",
            description = "Sparsity of every conv and linear weight (default: ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--steps", defaultValue = "100", description = "Fine-tuning steps, batch 128 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, defaultValue = "runs/torchscript/pruned.pt",
            description = "The pruned TorchScript file (default: ${DEFAULT-VALUE}); its JSON is written beside it.")
    Path output;

    @Override
    public Integer call() throws Exception {
        Shape in = new Shape(1, 3, 32, 32);
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(250, false).build();
        Cifar10 train = Cifar10.builder().optDirectory(data).setShuffledSampling(128, 42).build();
        try (Model model = TorchScriptModels.load(file, in); NDManager manager = NDManager.newBaseManager()) {
            Block net = model.getBlock();
            ModelProfile profile = ModelProfile.of(net, in, MacConvention.CONV_LINEAR);
            System.out.printf(Locale.ROOT, "loaded %s: %d parameters (%d tensors prunable), MACs %s%n", file,
                    profile.params(), PrunableParameters.of(net).size(), profile.macsKnown() ? profile.macs() : "unknown");
            System.out.println("dense: " + AccuracyEvaluation.evaluate(net, test));
            PruningMasks masks = MagnitudePruner.builder().build()
                    .masks(net, SparsityPlan.uniform(PrunableParameters.of(net).keySet(), sparsity));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(lr)).optMomentum(0.9f)
                            .optWeightDecays(1e-4f).build());
            try (MaskedOptimizer masked = MaskedOptimizer.install(config, net, masks)) {
                System.out.println("masked " + masks + ": " + AccuracyEvaluation.evaluate(net, test));
                try (Trainer trainer = model.newTrainer(config)) {
                    int done = 0;
                    while (done < steps) {
                        for (Batch batch : trainer.iterateDataset(train)) {
                            try (batch) {
                                EasyTrain.trainBatch(trainer, batch);
                                trainer.step();
                            }
                            if (++done == steps) {
                                break;
                            }
                        }
                    }
                }
            }
            AccuracyResult tuned = AccuracyEvaluation.evaluate(net, test);
            System.out.printf("fine-tuned %d steps: %s%n", steps, tuned);
            Files.createDirectories(output.toAbsolutePath().getParent());
            TorchScriptModels.save(model, output);
            // What PyTorch must see: the outputs on the first four test images and the zeros per tensor.
            Cifar10 four = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).optLimit(4)
                    .setSampling(4, false).build();
            JsonObject o = new JsonObject();
            for (Batch b : four.getData(manager)) {
                try (b) {
                    NDArray x = b.getData().singletonOrThrow();
                    NDArray y = net.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
                    o.add("input_shape", new Gson().toJsonTree(x.getShape().getShape()));
                    o.add("input", new Gson().toJsonTree(x.toFloatArray()));
                    o.add("output", new Gson().toJsonTree(y.toFloatArray()));
                }
            }
            JsonObject pruned = new JsonObject();
            masks.masks().forEach((name, m) -> pruned.addProperty(name, m.shape().size() - m.keptCount()));
            o.add("pruned", pruned);
            o.addProperty("accuracy", tuned.percent());
            Path json = Paths.get(output + ".json");
            Files.writeString(json, o.toString());
            System.out.printf("saved %s (%d bytes) and %s%n", output, Files.size(output), json);
        }
        return 0;
    }
}
