package ai.djl.pruning.examples.cli;

import ai.djl.pruning.examples.pipeline.Pipeline;
import ai.djl.pruning.examples.pipeline.PipelineSpec;
import ai.djl.pruning.examples.pipeline.PipelineStep;
import ai.djl.pruning.examples.pipeline.RunSummary;
import com.google.common.collect.ImmutableList;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a whole compression pipeline: the default one, one from a JSON file, or either with options changed. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Profile → scan → allocate → prune → fine-tune → measure → report, in one command.",
            "Without --config: the default pipeline on the pretrained model (quick scan on 500 test images, "
                + "fine-grained pruning to 30%% of the size, 1 fine-tuning epoch). Options below change the "
                + "default pipeline or the one read with --config. Resumable: a rerun with the same output folder "
                + "skips finished steps and resumes fine-tuning. Prints where the HTML report is."})
final class PipelineCommand implements Callable<Integer> {

    @Option(names = "--config", description = "Pipeline JSON file (see --print-config for the format).")
    Path config;

    @Option(names = "--print-config", description = "Print the pipeline as JSON and exit without running it.")
    boolean printConfig;

    @Option(names = {"-m", "--model"}, description = "Zoo model: resnet20, resnet32, resnet44, resnet56, resnet110, vgg "
            + "(default: resnet20).")
    String model;

    @Option(names = {"-w", "--weights"}, description = "Weights for the zoo model (PyTorch .th/.pt/.pth or DJL "
            + ".params); default: its pretrained checkpoint.")
    Path weights;

    @Option(names = "--file", description = "Compress a TorchScript (.pt) or ONNX (.onnx) file instead of a zoo model.")
    Path file;

    @Option(names = "--method", description = "fine-grained (masks) or channel (a narrower model) (default: "
            + "fine-grained).")
    String method;

    @Option(names = "--budget", description = "Fine-grained: nonzero size allowed, as a fraction of the dense size "
            + "(default: 0.3).")
    Double budget;

    @Option(names = "--sparsity", description = "Fine-grained: one sparsity for every conv/linear weight instead of the "
            + "scan and allocation, in [0, 1).")
    Double sparsity;

    @Option(names = "--scan-images", description = "Test images the sensitivity scan evaluates on (default: 500).")
    Integer scanImages;

    @Option(names = "--criteria", split = ",", description = "Channel: importance criteria to try (l1, l2, fpgm, "
            + "bn-gamma, next-input-l2, apoz, taylor, random); the best after pruning is fine-tuned (default: l1).")
    List<String> criteria;

    @Option(names = "--macs", description = "Channel: target MACs as a fraction of the original (default: 0.5).")
    Double macs;

    @Option(names = "--epochs", description = "Fine-tuning epochs; 0 skips fine-tuning (default: 1).")
    Integer epochs;

    @Option(names = "--lr", description = "Fine-tuning learning rate, cosine schedule (default: 0.01).")
    Float lr;

    @Option(names = "--train-images", description = "Fine-tune on the first N training images only (default: all 50,000).")
    Long trainImages;

    @Option(names = "--teacher", description = "Distil while fine-tuning from 'original' or a zoo model (channel "
            + "pruning only).")
    String teacher;

    @Option(names = "--test-images", description = "Evaluate on the first N test images only (default: all 10,000).")
    Long testImages;

    @Option(names = "--no-latency", description = "Skip the latency measurement.")
    boolean noLatency;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/pipeline-<model>).")
    Path output;

    @Override
    public Integer call() throws Exception {
        PipelineSpec spec = spec();
        if (printConfig) {
            System.out.println(spec.toJson());
            return 0;
        }
        Pipeline pipeline = new Pipeline(spec);
        System.out.println("pipeline: " + String.join(" → ", spec.steps().stream().map(s -> s.kind().key()).toList())
                + "  (output " + spec.output() + ")");
        RunSummary summary = pipeline.run(System.out);
        System.out.printf(Locale.ROOT, "done in %.1f min; report: %s%n", summary.seconds() / 60,
                pipeline.folder().report().toAbsolutePath().normalize());
        return 0;
    }

    PipelineSpec spec() throws Exception {
        if (model != null && file != null) {
            throw new IllegalArgumentException("--model and --file exclude each other");
        }
        PipelineSpec base = config != null ? PipelineSpec.read(config) : PipelineSpec.defaults("resnet20");
        PipelineSpec.ModelSource source = base.model();
        if (model != null || weights != null || file != null) {
            String zoo = file != null ? null : model != null ? model : source.zoo();
            if (zoo == null && file == null) {
                throw new IllegalArgumentException("--weights needs a zoo --model (the pipeline's model is a file)");
            }
            source = new PipelineSpec.ModelSource(zoo, weights, file);
        }
        PipelineSpec.Builder b = PipelineSpec.builder(source).optDataDir(data != null ? data : base.dataDir())
                .optTestImages(testImages != null ? testImages : base.testImages())
                .optOutput(output != null ? output : config != null ? base.output() : null);
        base.steps().forEach(b::addStep);
        PipelineStep.Prune prune = base.steps().stream().filter(PipelineStep.Prune.class::isInstance)
                .map(PipelineStep.Prune.class::cast).findFirst().orElse(null);
        boolean channel = method != null ? parseMethod() == PipelineStep.Method.CHANNEL
                : prune != null && prune.method() == PipelineStep.Method.CHANNEL;
        if (channel) {
            if (budget != null || sparsity != null || scanImages != null) {
                throw new IllegalArgumentException("--budget, --sparsity and --scan-images are for fine-grained pruning");
            }
            b.removeStep(PipelineStep.Kind.SCAN).removeStep(PipelineStep.Kind.ALLOCATE);
            List<String> c = criteria != null ? criteria
                    : prune != null && prune.method() == PipelineStep.Method.CHANNEL ? prune.criteria() : List.of("l1");
            double m = macs != null ? macs : prune != null && prune.method() == PipelineStep.Method.CHANNEL
                    ? prune.macs() : 0.5;
            b.replaceStep(new PipelineStep.Prune(PipelineStep.Method.CHANNEL, null, ImmutableList.copyOf(c), m,
                    prune == null ? 1 : prune.roundTo()));
        } else {
            if (criteria != null || macs != null) {
                throw new IllegalArgumentException("--criteria and --macs are for channel pruning (--method channel)");
            }
            if (sparsity != null) {
                b.removeStep(PipelineStep.Kind.SCAN).removeStep(PipelineStep.Kind.ALLOCATE);
                b.replaceStep(new PipelineStep.Prune(PipelineStep.Method.FINE_GRAINED, sparsity, ImmutableList.of(), 1, 1));
            } else if (method != null || budget != null || scanImages != null) {
                PipelineStep.Scan scan = base.steps().stream().filter(PipelineStep.Scan.class::isInstance)
                        .map(PipelineStep.Scan.class::cast).findFirst()
                        .orElse(new PipelineStep.Scan(500, ImmutableList.of(0.5, 0.7, 0.9)));
                b.replaceStep(new PipelineStep.Scan(scanImages != null ? scanImages : scan.images(), scan.sparsities()));
                b.replaceStep(new PipelineStep.Allocate(budget != null ? budget : 0.3));
                b.replaceStep(PipelineSpec.fineGrained());
            }
        }
        PipelineStep.FineTune ft = base.steps().stream().filter(PipelineStep.FineTune.class::isInstance)
                .map(PipelineStep.FineTune.class::cast).findFirst()
                .orElse(new PipelineStep.FineTune(1, 0.01f, null, null));
        if (epochs != null && epochs == 0) {
            b.removeStep(PipelineStep.Kind.FINETUNE);
        } else if (epochs != null || lr != null || trainImages != null || teacher != null) {
            b.replaceStep(new PipelineStep.FineTune(epochs != null ? epochs : ft.epochs(), lr != null ? lr : ft.learningRate(),
                    trainImages != null ? trainImages : ft.trainImages(), teacher != null ? teacher : ft.teacher()));
        }
        if (noLatency) {
            b.replaceStep(new PipelineStep.Measure(false));
        }
        return b.build();
    }

    private PipelineStep.Method parseMethod() {
        return switch (method.toLowerCase(Locale.ROOT)) {
            case "fine-grained", "finegrained" -> PipelineStep.Method.FINE_GRAINED;
            case "channel" -> PipelineStep.Method.CHANNEL;
            default -> throw new IllegalArgumentException("--method must be fine-grained or channel, got '" + method + "'");
        };
    }
}
