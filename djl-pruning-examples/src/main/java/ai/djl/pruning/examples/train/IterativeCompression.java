package ai.djl.pruning.examples.train;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.distillation.DistillationBlock;
import ai.djl.pruning.distillation.KnowledgeDistillationLoss;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * A long, resumable compression run: channel pruning in steps to ever smaller MAC targets, each step followed
 * by a short recovery, then a long fine-tune, all distilled from the frozen original (logit KD, cosine
 * learning rate). Every stage lives in its own folder under the output; started again on the same folder, the
 * run continues where it stopped: a stage whose model is saved is skipped, a pruned model is not pruned again,
 * and training resumes from its newest checkpoint ({@link TrainingRun}).
 *
 * <pre>{@code
 * IterativeCompression run = IterativeCompression.builder()
 *         .setSteps(List.of(0.77, 0.59, 0.4)).optRecoveryEpochs(1).setEpochs(30)
 *         .setPruner(p -> ChannelPruner.builder().optRoundTo(8).build())
 *         .setOutput(Paths.get("runs/compress-resnet56")).build();
 * Block student = run.run(teacher, trainSet, testSet, manager);
 * System.out.print(IterativeCompression.status(Paths.get("runs/compress-resnet56")));
 * }</pre>
 */
public final class IterativeCompression {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();
    private static final String STAGE_FILE = "stage.json";

    private final ImmutableList<Double> steps;
    private final int recoveryEpochs;
    private final int epochs;
    private final float recoveryLearningRate;
    private final float learningRate;
    private final float temperature;
    private final float alpha;
    private final int checkpointSteps;
    private final Function<Integer, ChannelPruner> pruners;
    private final Shape inputShape;
    private final Path output;
    private final PrintStream log;

    private IterativeCompression(Builder b) {
        steps = ImmutableList.copyOf(b.steps);
        recoveryEpochs = b.recoveryEpochs;
        epochs = b.epochs;
        recoveryLearningRate = b.recoveryLearningRate;
        learningRate = b.learningRate;
        temperature = b.temperature;
        alpha = b.alpha;
        checkpointSteps = b.checkpointSteps;
        pruners = b.pruners;
        inputShape = b.inputShape;
        output = b.output;
        log = b.log;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * What a stage did, stored beside its model.
     *
     * @param name the stage folder's name
     * @param macFraction the target, as a fraction of the original's MACs
     * @param macs the pruned model's MACs (convolutions and fully connected layers)
     * @param originalMacs the original's
     * @param params the pruned model's parameters
     * @param prunedAccuracy top-1 in percent right after pruning
     * @param epochs training epochs of the stage
     * @param learningRate its initial learning rate
     */
    public record Stage(String name, double macFraction, long macs, long originalMacs, long params,
            double prunedAccuracy, int epochs, float learningRate) {

        /** @return how many times fewer MACs than the original */
        public double macReduction() {
            return (double) originalMacs / macs;
        }
    }

    /**
     * Runs (or continues) every stage and returns the final student.
     *
     * @param teacher the original model's block, pretrained; it is pruned from and distilled from, never changed
     * @param train the training set (shuffled, augmented)
     * @param test the test set
     * @param manager owns the returned block's parameters
     * @return the final student, loaded from the last stage's saved model
     * @throws IOException on file errors
     * @throws TranslateException if the data cannot be batched
     * @throws CheckpointException if a saved model or checkpoint does not fit
     */
    public Block run(Block teacher, Dataset train, Dataset test, NDManager manager)
            throws IOException, TranslateException, CheckpointException {
        long originalMacs = macs(teacher);
        Block current = teacher;
        for (int i = 0; i <= steps.size(); i++) {
            boolean last = i == steps.size();
            double target = last ? steps.get(steps.size() - 1) : steps.get(i);
            String name = last ? "final" : String.format(Locale.ROOT, "step%d-%.2f", i + 1, target);
            Path dir = output.resolve(name);
            Path done = dir.resolve("model");
            if (isSaved(done)) {
                log.printf("%s: done, loading %s%n", name, done);
                current = ModelFiles.load(done, manager);
                continue;
            }
            Path start = dir.resolve(last ? "start" : "pruned");
            if (!isSaved(start) || readStage(dir).isEmpty()) {
                Stage stage;
                Block next;
                if (last) {
                    next = current;
                    stage = new Stage(name, target, macs(current), originalMacs, params(current),
                            AccuracyEvaluation.evaluate(current, test).percent(), epochs, learningRate);
                } else {
                    ChannelPruner pruner = pruners.apply(i);
                    ChannelPruningPlan plan = pruner.planForMacs(current, inputShape,
                            Math.min(1, target * originalMacs / macs(current)), manager);
                    next = pruner.apply(current, plan, manager);
                    stage = new Stage(name, target, macs(next), originalMacs, params(next),
                            AccuracyEvaluation.evaluate(next, test).percent(), recoveryEpochs, recoveryLearningRate);
                }
                ModelFiles.save(next, inputShape, start);
                String json = GSON.toJson(stage);
                AtomicFiles.write(dir.resolve(STAGE_FILE), out -> out.write(json.getBytes(StandardCharsets.UTF_8)));
                log.printf(Locale.ROOT, "%s: %.2f× fewer MACs than the original, top-1 %.2f%% before training%n",
                        name, stage.macReduction(), stage.prunedAccuracy());
            }
            Stage stage = readStage(dir).orElseThrow();
            try (Model student = Model.newInstance(name); Model distillation = Model.newInstance("distillation")) {
                Block s = ModelFiles.load(start, student.getNDManager());
                student.setBlock(s);
                DistillationBlock block = DistillationBlock.builder(s, teacher, inputShape).build();
                distillation.setBlock(block);
                TrainingRun.builder().setEpochs(stage.epochs()).optLearningRate(stage.learningRate())
                        .optSchedule(LearningRateSchedule.Kind.COSINE)
                        .optLoss(new KnowledgeDistillationLoss(temperature, alpha),
                                String.format(Locale.ROOT, "kd(T=%s,a=%s)", temperature, alpha))
                        .optEvaluatedBlock(s).optCheckpointSteps(checkpointSteps).optLog(log)
                        .setOutput(dir.resolve("train")).build().fit(distillation, train, test);
                ModelFiles.save(s, inputShape, done);
            }
            current = ModelFiles.load(done, manager);
        }
        return current;
    }

    /**
     * Where a run stands: each stage's MACs, accuracy after pruning, and its test-accuracy curve so far.
     *
     * @param output the run's folder
     * @return a Markdown table and the curves, readable while the run goes on
     * @throws IOException if a file cannot be read
     */
    public static String status(Path output) throws IOException {
        Preconditions.checkArgument(Files.isDirectory(output), "no compression run in %s", output);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "# Compression run %s%n%n"
                + "| stage | MACs | fewer MACs | params | top-1 after pruning | epochs done | top-1 now | state |%n"
                + "|---|---:|---:|---:|---:|---:|---:|---|%n", output));
        List<String> curves = new ArrayList<>();
        List<Path> dirs;
        try (var list = Files.list(output)) {
            dirs = list.filter(d -> Files.isRegularFile(d.resolve(STAGE_FILE)))
                    .sorted((a, b) -> stageOrder(a).compareTo(stageOrder(b))).toList();
        }
        for (Path dir : dirs) {
            Stage s = readStage(dir).orElseThrow();
            List<EpochRecord> history = new CheckpointStore(dir.resolve("train")).history();
            double now = history.isEmpty() ? s.prunedAccuracy() : history.get(history.size() - 1).testAccuracy();
            String state = isSaved(dir.resolve("model")) ? "done" : history.isEmpty() ? "pruned" : "training";
            sb.append(String.format(Locale.ROOT, "| %s | %.2f M | %.2f× | %.3f M | %.2f%% | %d / %d | %.2f%% | %s |%n",
                    s.name(), s.macs() / 1e6, s.macReduction(), s.params() / 1e6, s.prunedAccuracy(),
                    history.size(), s.epochs(), now, state));
            StringBuilder curve = new StringBuilder(s.name() + ": " + String.format(Locale.ROOT, "%.2f", s.prunedAccuracy()));
            history.forEach(r -> curve.append(String.format(Locale.ROOT, " → %.2f", r.testAccuracy())));
            curves.add(curve.toString());
        }
        sb.append(String.format("%nTest top-1 (%%) after pruning, then after each epoch:%n%n"));
        curves.forEach(c -> sb.append("    ").append(c).append('\n'));
        return sb.toString();
    }

    private static String stageOrder(Path dir) {
        String n = dir.getFileName().toString();
        return n.equals("final") ? "~" : n; // the final stage after every step
    }

    private static Optional<Stage> readStage(Path dir) throws IOException {
        Path file = dir.resolve(STAGE_FILE);
        return Files.isRegularFile(file)
                ? Optional.of(GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), Stage.class))
                : Optional.empty();
    }

    private static boolean isSaved(Path modelDir) {
        // ModelFiles writes the architecture last and atomically: its presence means a complete model.
        return Files.isRegularFile(modelDir.resolve(ModelFiles.ARCHITECTURE));
    }

    private long macs(Block block) {
        return ModelProfile.of(block, inputShape, MacConvention.CONV_LINEAR).macs();
    }

    private long params(Block block) {
        return ModelProfile.of(block, inputShape, MacConvention.CONV_LINEAR).params();
    }

    /** Options of an {@link IterativeCompression}. */
    public static final class Builder {
        private List<Double> steps;
        private int recoveryEpochs = 1;
        private int epochs = -1;
        private float recoveryLearningRate = 0.01f;
        private float learningRate = 0.01f;
        private float temperature = 4;
        private float alpha = 0.9f;
        private int checkpointSteps = 50;
        private Function<Integer, ChannelPruner> pruners;
        private Shape inputShape = new Shape(1, 3, 32, 32);
        private Path output;
        private PrintStream log = System.out;

        private Builder() {}

        /**
         * @param fractions MAC targets as fractions of the original's, decreasing, e.g. 0.77, 0.59, 0.4
         * @return this builder
         */
        public Builder setSteps(List<Double> fractions) {
            Preconditions.checkArgument(!fractions.isEmpty(), "at least one pruning step is needed");
            for (int i = 0; i < fractions.size(); i++) {
                double f = fractions.get(i);
                Preconditions.checkArgument(f > 0 && f < 1, "a MAC target must be in (0, 1), got %s", f);
                Preconditions.checkArgument(i == 0 || f < fractions.get(i - 1),
                        "MAC targets must decrease step by step, got %s", fractions);
            }
            this.steps = List.copyOf(fractions);
            return this;
        }

        /**
         * @param n epochs of distilled recovery after each pruning step (at least 1)
         * @return this builder
         */
        public Builder optRecoveryEpochs(int n) {
            Preconditions.checkArgument(n >= 1, "recovery epochs must be at least 1, got %s", n);
            this.recoveryEpochs = n;
            return this;
        }

        /**
         * @param n epochs of the final distilled fine-tune
         * @return this builder
         */
        public Builder setEpochs(int n) {
            Preconditions.checkArgument(n >= 1, "the final fine-tune needs at least 1 epoch, got %s", n);
            this.epochs = n;
            return this;
        }

        /**
         * @param recovery initial learning rate of each recovery (cosine to zero)
         * @param last initial learning rate of the final fine-tune (cosine to zero)
         * @return this builder
         */
        public Builder optLearningRates(float recovery, float last) {
            Preconditions.checkArgument(recovery > 0 && last > 0, "learning rates must be positive");
            this.recoveryLearningRate = recovery;
            this.learningRate = last;
            return this;
        }

        /**
         * @param temperature KD temperature
         * @param alpha weight of the KD term against cross-entropy
         * @return this builder
         */
        public Builder optDistillation(float temperature, float alpha) {
            Preconditions.checkArgument(temperature > 0 && alpha >= 0 && alpha <= 1,
                    "need temperature > 0 and alpha in [0, 1], got %s and %s", temperature, alpha);
            this.temperature = temperature;
            this.alpha = alpha;
            return this;
        }

        /**
         * @param steps checkpoint every this many training steps inside an epoch too (0: only after epochs)
         * @return this builder
         */
        public Builder optCheckpointSteps(int steps) {
            Preconditions.checkArgument(steps >= 0, "checkpoint steps must not be negative");
            this.checkpointSteps = steps;
            return this;
        }

        /**
         * @param pruners the pruner of each step (0-based), e.g. one criterion for all
         * @return this builder
         */
        public Builder setPruner(Function<Integer, ChannelPruner> pruners) {
            this.pruners = Preconditions.checkNotNull(pruners, "pruners");
            return this;
        }

        /**
         * @param shape the model's input shape with batch 1 (default 1×3×32×32)
         * @return this builder
         */
        public Builder optInputShape(Shape shape) {
            this.inputShape = Preconditions.checkNotNull(shape, "shape");
            return this;
        }

        /**
         * @param dir the run's folder
         * @return this builder
         */
        public Builder setOutput(Path dir) {
            this.output = Preconditions.checkNotNull(dir, "dir");
            return this;
        }

        /**
         * @param log where progress lines go
         * @return this builder
         */
        public Builder optLog(PrintStream log) {
            this.log = Preconditions.checkNotNull(log, "log");
            return this;
        }

        /** @return the run */
        public IterativeCompression build() {
            Preconditions.checkState(steps != null, "setSteps is required");
            Preconditions.checkState(epochs > 0, "setEpochs is required");
            Preconditions.checkState(pruners != null, "setPruner is required");
            Preconditions.checkState(output != null, "setOutput is required");
            return new IterativeCompression(this);
        }
    }
}
