package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.pruning.analysis.LatencyResult;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.nn.BatchNormInsertion;
import ai.djl.pruning.onnx.OnnxExporter;
import ai.djl.pruning.onnx.OnnxImporter;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.Importance;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An ONNX model in, a channel-pruned ONNX model out: import, measure, prune to a MAC target, optionally
 * fine-tune, export, and compare accuracy and latency in ONNX Runtime and in the PyTorch engine.
 */
@Command(name = "onnx", mixinStandardHelpOptions = true,
        description = "Import an ONNX CIFAR-10 classifier, channel-prune it to a MAC target, fine-tune, export it as "
                + "ONNX, and measure accuracy, MACs and latency in ONNX Runtime and the PyTorch engine.")
final class OnnxCommand implements Callable<Integer> {

    @Option(names = "--file", defaultValue = "src-test-resources/onnx/resnet20.onnx",
            description = "The ONNX model (default: ${DEFAULT-VALUE}, the pretrained ResNet-20 exported by PyTorch).")
    Path file;

    @Option(names = "--macs", defaultValue = "0.5", description = "Keep at most this fraction of the MACs "
            + "(default: ${DEFAULT-VALUE}).")
    double macs;

    @Option(names = "--criterion", defaultValue = "l1", description = "Channel importance (default: ${DEFAULT-VALUE}).")
    String criterion;

    @Option(names = "--round-to", defaultValue = "1", description = "Keep channel counts at multiples of N (8 suits "
            + "ONNX Runtime's blocked convolution kernels; default: ${DEFAULT-VALUE}).")
    int roundTo;

    @Option(names = "--epochs", defaultValue = "1", description = "Fine-tuning epochs; 0 for none (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--insert-batchnorm", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Before fine-tuning, put BatchNorm back after every conv the exporter folded it into "
                    + "(identity on 8 calibration batches); --no-insert-batchnorm fine-tunes the folded graph "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean insertBatchNorm;

    @Option(names = "--lr", defaultValue = "0.01", description = "Fine-tuning learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/onnx-<file name>).")
    Path output;

    @Override
    public Integer call() throws Exception {
        String base = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        Path out = output == null ? Paths.get("runs", "onnx-" + base) : output;
        Files.createDirectories(out);
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(250, false).build();
        test.prepare(null);
        LatencyBenchmark bench = LatencyBenchmark.builder().optWarmup(10).optRepetitions(30).optBatchSizes(1, 32).build();
        Shape sample = new Shape(3, 32, 32);
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "# ONNX channel pruning of %s (MAC target %s, "
                + "criterion %s, %d fine-tuning epochs)%n%n| model | MACs (M) | params (M) | top-1 DJL (PyTorch) | "
                + "top-1 ONNX Runtime | ORT b1 (ms) | ORT b32 (ms) | PyTorch b1 (ms) | PyTorch b32 (ms) |%n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|%n", file, macs, criterion, epochs));
        try (Model model = Model.newInstance(base); NDManager manager = NDManager.newBaseManager()) {
            OnnxImporter.OnnxImport imported = OnnxImporter.load(file, model.getNDManager());
            Block block = imported.block();
            Shape in = imported.inputShape();
            row(md, "original (imported)", block, in, file, test, bench, sample);
            Path reexported = out.resolve(base + "-reexported.onnx"); // the same graph as our exporter writes it
            OnnxExporter.export(block, in, reexported);
            row(md, "original, re-exported", block, in, reexported, test, bench, sample);
            ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.of(criterion, 42))
                    .optRoundTo(roundTo).build();
            ChannelPruningPlan plan = pruner.planForMacs(block, in, macs, manager);
            Block pruned = pruner.apply(block, plan, model.getNDManager());
            Path prunedFile = out.resolve(base + "-pruned.onnx");
            OnnxExporter.export(pruned, in, prunedFile);
            ModelFiles.save(pruned, in, out.resolve("pruned-model"));
            row(md, "pruned, no fine-tuning", pruned, in, prunedFile, test, bench, sample);
            if (epochs > 0) {
                if (insertBatchNorm) {
                    List<NDArray> calibration = new ArrayList<>();
                    Cifar10 calib = Cifar10.builder().optDirectory(data).optAugment(false).optLimit(1024)
                            .setSampling(128, false).build();
                    for (Batch b : calib.getData(manager)) {
                        calibration.add(b.getData().singletonOrThrow());
                    }
                    pruned = BatchNormInsertion.afterConvolutions(pruned, in, calibration, model.getNDManager());
                    System.out.println("BatchNorm put back after every folded conv (identity on 1,024 training images)");
                }
                model.setBlock(pruned);
                Cifar10 train = Cifar10.builder().optDirectory(data).setShuffledSampling(128, 42).build();
                List<EpochRecord> history = TrainingRun.builder().setEpochs(epochs).optLearningRate(lr)
                        .setOutput(out.resolve("finetune")).build().fit(model, train, test);
                System.out.println("fine-tuned: " + history.get(history.size() - 1).testResult());
                Path tunedFile = out.resolve(base + "-pruned-finetuned.onnx");
                OnnxExporter.export(pruned, in, tunedFile);
                row(md, "pruned, fine-tuned", pruned, in, tunedFile, test, bench, sample);
            }
        }
        md.append(String.format(Locale.ROOT, "%nLatency: median of 30 runs after 10 warm-up runs; ONNX Runtime with its "
                + "default threads, the PyTorch engine with its default threads, on the same machine one after the "
                + "other.%n"));
        Files.writeString(out.resolve("report.md"), md.toString());
        System.out.print(md);
        return 0;
    }

    /** Measures one model in both engines and appends its row. */
    private static void row(StringBuilder md, String name, Block block, Shape in, Path onnx, Cifar10 test,
            LatencyBenchmark bench, Shape sample) throws Exception {
        ModelProfile profile = ModelProfile.of(block, in, MacConvention.CONV_LINEAR);
        AccuracyResult djl = AccuracyEvaluation.evaluate(block, test);
        List<LatencyResult> pytorch = bench.run(block, sample);
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(onnx)
                .optEngine("OnnxRuntime").optTranslator(new NoopTranslator()).build();
        AccuracyResult ort;
        List<LatencyResult> ortLatency;
        try (ZooModel<NDList, NDList> m = criteria.loadModel(); Predictor<NDList, NDList> predictor = m.newPredictor()) {
            ort = AccuracyEvaluation.evaluate(predictor, m.getNDManager(), test);
            ortLatency = bench.run(predictor, m.getNDManager(), sample);
        }
        String row = String.format(Locale.ROOT, "| %s | %.2f | %.4f | %.2f | %.2f | %.3f | %.2f | %.3f | %.2f |", name,
                profile.macs() / 1e6, profile.params() / 1e6, djl.percent(), ort.percent(), ortLatency.get(0).medianMs(),
                ortLatency.get(1).medianMs(), pytorch.get(0).medianMs(), pytorch.get(1).medianMs());
        md.append(row).append('\n');
        System.out.println(row);
    }
}
