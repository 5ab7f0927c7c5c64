package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.distillation.BatchNormMargin;
import ai.djl.pruning.distillation.DistillationBlock;
import ai.djl.pruning.distillation.FeatureDistillationLoss;
import ai.djl.pruning.distillation.FeaturePair;
import ai.djl.pruning.distillation.KnowledgeDistillationLoss;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.LearningRateSchedule;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.nn.BlockPaths;
import ai.djl.pruning.nn.BlockTrace;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SimpleCompositeLoss;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Fine-tunes a student with plain cross-entropy, logit distillation, or logit + feature distillation. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Train a student (a saved pruned model or a zoo model) from a frozen zoo teacher with each procedure "
                + "(ce, kd, kd-feature = together, feature-then-kd = separately), same epochs and schedule, and "
                + "report the student's test accuracy. Resumable: a rerun continues each procedure's checkpoints.")
final class DistillCommand implements Callable<Integer> {

    @Option(names = "--student", required = true,
            description = "Student: a folder saved by a pruning command, or a zoo model name (pretrained weights).")
    String student;

    @Option(names = "--teacher", defaultValue = "resnet56", description = "Teacher zoo model (default: ${DEFAULT-VALUE}).")
    String teacher;

    @Option(names = "--mode", split = ",", defaultValue = "ce,kd,kd-feature",
            description = "Procedures: ce, kd, kd-feature, feature-then-kd (default: ${DEFAULT-VALUE}).")
    List<String> modes;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs per procedure (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--feature-epochs", defaultValue = "1",
            description = "feature-then-kd: epochs of the feature stage, taken from --epochs (default: ${DEFAULT-VALUE}).")
    int featureEpochs;

    @Option(names = "--lr", defaultValue = "0.01", description = "SGD learning rate, cosine schedule (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = {"-T", "--temperature"}, defaultValue = "4", description = "KD temperature (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--alpha", defaultValue = "0.9", description = "KD weight α (default: ${DEFAULT-VALUE}).")
    float alpha;

    @Option(names = "--feature-weight", defaultValue = "1e-3",
            description = "Feature loss weight per sample (default: ${DEFAULT-VALUE}).")
    float featureWeight;

    @Option(names = "--limit", description = "Use only the first N training and test images (a quick check).")
    Long limit;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, required = true, description = "Output folder.")
    Path output;

    @Override
    public Integer call() throws Exception {
        for (String m : modes) {
            if (!List.of("ce", "kd", "kd-feature", "feature-then-kd").contains(m)) {
                throw new IllegalArgumentException("unknown --mode '" + m + "'; use ce, kd, kd-feature, feature-then-kd");
            }
        }
        if (modes.contains("feature-then-kd") && (featureEpochs < 1 || featureEpochs >= epochs)) {
            throw new IllegalArgumentException("--feature-epochs must be in [1, --epochs), got " + featureEpochs);
        }
        Files.createDirectories(output);
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).setSampling(250, false)
                .optLimit(limit == null ? Long.MAX_VALUE : limit).build();
        test.prepare(null);
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "# Distillation: student %s, teacher %s%n%n"
                + "%d epochs per procedure, SGD lr %s cosine, T = %s, α = %s, feature weight %s%n%n"
                + "| procedure | student top-1 before | after |%n|---|---:|---:|%n",
                student, teacher, epochs, lr, temperature, alpha, featureWeight));
        for (String mode : modes) {
            try (Model teacherModel = ZooModels.load(CifarModel.of(teacher), null);
                    Model studentModel = ModelOptions.openSavedOrZoo(student, true)) {
                Block s = studentModel.getBlock();
                double before = AccuracyEvaluation.evaluate(s, test).percent();
                AccuracyResult after = train(mode, studentModel, teacherModel.getBlock(), test);
                ModelFiles.save(s, ZooModels.INPUT_SHAPE, output.resolve(mode).resolve("student"));
                String row = String.format(Locale.ROOT, "| %s | %.2f | %.2f |", mode, before, after.percent());
                md.append(row).append('\n');
                System.out.println(row);
                Files.writeString(output.resolve("report.md"), md.toString());
            }
        }
        System.out.print(md);
        return 0;
    }

    private AccuracyResult train(String mode, Model studentModel, Block teacherBlock, Cifar10 test) throws Exception {
        Block s = studentModel.getBlock();
        Path dir = output.resolve(mode);
        Loss kd = new KnowledgeDistillationLoss(temperature, alpha);
        String kdName = String.format(Locale.ROOT, "kd(T=%s,a=%s)", temperature, alpha);
        Loss feature = new FeatureDistillationLoss(featureWeight);
        String featureName = String.format(Locale.ROOT, "feature(w=%s)", featureWeight);
        switch (mode) {
            case "ce":
                return fit(studentModel, s, TrainingRun.builder().setEpochs(epochs), dir.resolve("train"), test);
            case "kd":
                return distil(studentModel, DistillationBlock.builder(s, teacherBlock, ZooModels.INPUT_SHAPE).build(),
                        kd, kdName, epochs, dir.resolve("train"), test);
            case "kd-feature": {
                Loss both = new SimpleCompositeLoss().addLoss(kd).addLoss(feature);
                return distil(studentModel, withFeatures(s, teacherBlock), both, kdName + "+" + featureName, epochs,
                        dir.resolve("train"), test);
            }
            default: { // feature-then-kd: a feature stage, then a KD stage, on the same student
                distil(studentModel, withFeatures(s, teacherBlock), feature, featureName, featureEpochs,
                        dir.resolve("stage1-feature"), test);
                return distil(studentModel, DistillationBlock.builder(s, teacherBlock, ZooModels.INPUT_SHAPE).build(),
                        kd, kdName, epochs - featureEpochs, dir.resolve("stage2-kd"), test);
            }
        }
    }

    private AccuracyResult distil(Model studentModel, DistillationBlock block, Loss loss, String name, int n, Path dir,
            Cifar10 test) throws Exception {
        try (Model m = Model.newInstance("distillation")) {
            m.setBlock(block);
            return fit(m, block.getStudent(), TrainingRun.builder().setEpochs(n).optLoss(loss, name), dir, test);
        }
    }

    private AccuracyResult fit(Model m, Block evaluated, TrainingRun.Builder run, Path dir, Cifar10 test)
            throws Exception {
        Cifar10 train = Cifar10.builder().optDirectory(data).setShuffledSampling(128, 42)
                .optLimit(limit == null ? Long.MAX_VALUE : limit).build();
        List<EpochRecord> history = run.optLearningRate(lr).optSchedule(LearningRateSchedule.Kind.COSINE)
                .optEvaluatedBlock(evaluated).setOutput(dir).build().fit(m, train, test);
        return history.get(history.size() - 1).testResult();
    }

    /**
     * Pre-ReLU features at the end of each ResNet stage (the last block's residual sum), teacher margins
     * from that block's last BatchNorm (Heo et al.'s positions for CIFAR ResNets).
     */
    private static DistillationBlock withFeatures(Block student, Block teacher) {
        List<String> sPaths = stageEnds(student, null);
        List<BatchNorm> bns = new ArrayList<>();
        List<String> tPaths = stageEnds(teacher, bns);
        if (sPaths.size() != tPaths.size() || sPaths.isEmpty()) {
            throw new IllegalArgumentException("feature distillation needs ResNets with the same stages; student has "
                    + sPaths.size() + ", teacher " + tPaths.size());
        }
        DistillationBlock.Builder b = DistillationBlock.builder(student, teacher, ZooModels.INPUT_SHAPE);
        for (int i = 0; i < sPaths.size(); i++) {
            b.addFeature(new FeaturePair(sPaths.get(i), tPaths.get(i), BatchNormMargin.of(bns.get(i))));
        }
        return b.build();
    }

    private static List<String> stageEnds(Block net, List<BatchNorm> lastBatchNorms) {
        List<String> paths = new ArrayList<>();
        for (Pair<String, Block> stage : net.getChildren()) {
            if (!BlockPaths.childName(stage.getKey()).startsWith("layer")) {
                continue;
            }
            var blocks = stage.getValue().getChildren();
            Pair<String, Block> last = blocks.get(blocks.size() - 1);
            paths.add(BlockPaths.join(stage.getKey(), last.getKey()) + BlockTrace.PRE_RELU);
            if (lastBatchNorms != null) {
                BatchNorm bn = null;
                for (Pair<String, Block> c : last.getValue().getChildren()) {
                    if (c.getValue() instanceof BatchNorm b) {
                        bn = b;
                    }
                }
                lastBatchNorms.add(bn);
            }
        }
        return paths;
    }
}
