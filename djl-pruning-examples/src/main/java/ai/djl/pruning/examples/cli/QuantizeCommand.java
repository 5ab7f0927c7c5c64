package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.quantization.Granularity;
import ai.djl.pruning.quantization.QuantizedParameterFile;
import ai.djl.pruning.quantization.QuantizedWeights;
import ai.djl.pruning.quantization.WeightQuantizer;
import ai.djl.pruning.unstructured.SparseParameterFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Post-training int8 quantization of a zoo model's conv/linear weights, or of a fine-grained pruned
 * run (Deep Compression: prune → fine-tune → quantize): accuracy and sizes before and after, per
 * channel and per tensor, and the compact files.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Int8-quantize conv/linear weights (per channel and/or per tensor) of a zoo model or a pruned "
                + "finegrained run; prints accuracy and sizes before/after.")
final class QuantizeCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Option(names = "--run", description = "A `finegrained` output folder: quantize its pruned, fine-tuned model "
            + "(pruned.sparse) instead of --weights.")
    Path run;

    @Option(names = "--granularity", split = ",", defaultValue = "per-channel,per-tensor",
            description = "per-channel and/or per-tensor (default: ${DEFAULT-VALUE}).")
    List<String> granularities;

    @Option(names = {"-o", "--output"}, description = "Output folder for files and report.md (default: runs/quantize-<model>).")
    Path output;

    @Override
    public Integer call() throws Exception {
        CifarModel zoo = options.zooModel();
        Path out = output == null ? Paths.get("runs", "quantize-" + zoo.modelName()) : output;
        Files.createDirectories(out);
        Cifar10 test = options.testSet();
        try (Model m = run == null ? ZooModels.load(zoo, options.weights) : ZooModels.newModel(zoo)) {
            Block block = m.getBlock();
            String source;
            if (run != null) {
                Path sparse = run.resolve("pruned.sparse");
                if (!Files.isRegularFile(sparse)) {
                    throw new IllegalArgumentException(run + " has no pruned.sparse: give a finished finegrained run");
                }
                SparseParameterFile.load(sparse, block);
                source = sparse.toString();
            } else {
                source = options.weights == null ? ZooModels.pretrained(zoo).toString() : options.weights.toString();
            }
            ModelProfile profile = ModelProfile.of(block, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            long denseBytes = profile.sizeBytes(32);
            AccuracyResult floatAccuracy = AccuracyEvaluation.evaluate(block, test);
            Path floatFile = out.resolve("float32.sparse");
            SparseParameterFile.save(block, floatFile);
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "# Int8 weight quantization of %s%n%nWeights: `%s`; %,d parameters, "
                    + "%.2f%% zeros; accuracy on %d test images. Sizes: trainable parameters, quantized conv/linear "
                    + "weights at 8 bits + one float32 scale per tensor or channel, everything else at 32 bits; "
                    + "\"nonzero\" counts nonzero elements only (no index overhead); files hold every parameter "
                    + "(BatchNorm running statistics included) and a bitmask where that is smaller.%n%n",
                    zoo.modelName(), source, profile.params(), 100 * profile.sparsity(), floatAccuracy.total()));
            md.append("| weights | accuracy (%) | size (MiB) | nonzero size (MiB) | nonzero size vs dense fp32 | file (bytes) |\n"
                    + "|---|---:|---:|---:|---:|---:|\n");
            md.append(row("float32", floatAccuracy, profile.sizeBytes(32), profile.nonzeroSizeBytes(32), denseBytes,
                    Files.size(floatFile)));
            for (String g : granularities) {
                Granularity granularity = switch (g) {
                    case "per-channel" -> Granularity.PER_CHANNEL;
                    case "per-tensor" -> Granularity.PER_TENSOR;
                    default -> throw new IllegalArgumentException("unknown granularity '" + g + "'; use per-channel or per-tensor");
                };
                QuantizedWeights q = WeightQuantizer.builder().optGranularity(granularity).build().quantize(block);
                Path file = out.resolve("int8-" + g + ".q8");
                QuantizedParameterFile.save(block, q, file);
                AccuracyResult accuracy;
                try (ai.djl.ndarray.NDManager scope = m.getNDManager().newSubManager()) {
                    Block copy = q.dequantizedCopy(block, ZooModels.INPUT_SHAPE, scope);
                    accuracy = AccuracyEvaluation.evaluate(copy, test);
                }
                md.append(row("int8 " + g, accuracy, q.sizeBytes(block), q.nonzeroSizeBytes(block), denseBytes,
                        Files.size(file)));
                System.out.printf("%s: %s%n", g, accuracy);
            }
            Files.writeString(out.resolve("report.md"), md.toString());
            System.out.println(md);
        }
        return 0;
    }

    private static String row(String name, AccuracyResult acc, long bytes, long nonzeroBytes, long denseBytes, long file) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.3f | %.3f | %.1f%% (%.1f×) | %,d |%n", name, acc.percent(),
                bytes / 1048576.0, nonzeroBytes / 1048576.0, 100.0 * nonzeroBytes / denseBytes,
                (double) denseBytes / nonzeroBytes, file);
    }
}
