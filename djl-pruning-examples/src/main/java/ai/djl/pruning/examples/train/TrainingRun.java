package ai.djl.pruning.examples.train;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.unstructured.MaskedOptimizer;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.PruningSchedule;
import ai.djl.pruning.unstructured.ScheduledPruning;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.translate.TranslateException;
import com.google.common.base.Preconditions;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Trains or fine-tunes a model with SGD (momentum, weight decay, cosine/step schedule) through DJL's
 * {@link Trainer} and {@link EasyTrain}, evaluating on the test set and writing an atomic checkpoint
 * after every epoch and every {@link Builder#optCheckpointSteps} steps inside one. Started again on the
 * same output folder, it resumes after the newest complete checkpoint, inside an epoch too: the
 * learning-rate schedule continues, the epoch's data order is the original one, the pruning masks are
 * the ones saved (SGD's momentum buffers start from zero, since DJL does not expose them, and
 * augmentation draws are new).
 *
 * <pre>{@code
 * TrainingRun run = TrainingRun.builder().setEpochs(1).optLearningRate(0.01f)
 *         .setOutput(Paths.get("runs/ft")).build();
 * List<EpochRecord> history = run.fit(model, trainSet, testSet);
 * }</pre>
 */
public final class TrainingRun {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private final Settings settings;
    private final Path output;
    private final PrintStream log;
    private final SparsityPlan pruningPlan;
    private final PruningSchedule pruningSchedule;
    private final PruningMasks fixedMasks;

    /** Name of the default loss in the run settings. */
    static final String CROSS_ENTROPY = "cross-entropy";

    private final Loss loss;
    private final Block evaluated;
    private final int checkpointSteps;
    private final List<TrainingListener> listeners;
    private final java.util.function.BiFunction<Optimizer, Block, Optimizer> optimizerWrapper;

    private TrainingRun(Builder b) {
        this.settings = new Settings(b.epochs, b.learningRate, b.momentum, b.weightDecay, b.schedule.name(),
                b.lossName);
        this.loss = b.loss;
        this.evaluated = b.evaluated;
        this.checkpointSteps = b.checkpointSteps;
        this.listeners = List.copyOf(b.listeners);
        this.output = b.output;
        this.log = b.log;
        this.pruningPlan = b.pruningPlan;
        this.pruningSchedule = b.pruningSchedule;
        this.fixedMasks = b.fixedMasks;
        this.optimizerWrapper = b.optimizerWrapper;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The hyper-parameters that define a run; a folder holding a different run is refused on resume.
     *
     * @param epochs number of epochs
     * @param learningRate initial learning rate
     * @param momentum SGD momentum
     * @param weightDecay L2 weight decay
     * @param schedule learning-rate schedule name
     * @param loss name of the training loss (null in folders written before losses were named: cross-entropy)
     */
    public record Settings(int epochs, float learningRate, float momentum, float weightDecay, String schedule,
            String loss) {

        Settings withDefaults() {
            return loss != null ? this : new Settings(epochs, learningRate, momentum, weightDecay, schedule,
                    CROSS_ENTROPY);
        }
    }

    /**
     * Trains the model's block, resuming from the output folder's newest checkpoint if there is one.
     *
     * @param model a model with an initialised block (loaded weights for fine-tuning)
     * @param train the training set (shuffled, augmented)
     * @param test the test set
     * @return the history of every epoch, resumed ones included
     * @throws IOException on data or checkpoint errors
     * @throws TranslateException if the data cannot be batched
     */
    public List<EpochRecord> fit(Model model, Dataset train, Dataset test)
            throws IOException, TranslateException, CheckpointException {
        if (train instanceof Cifar10 c) {
            // One partial batch per epoch is not what anyone asking for this batch size meant.
            Preconditions.checkArgument(c.batchSize() <= c.size(),
                    "batch size %s is larger than the training set (%s images)", c.batchSize(), c.size());
        }
        long stepsPerEpoch = countBatches(train);
        Preconditions.checkArgument(stepsPerEpoch > 0, "the training set is empty");
        CheckpointStore store = new CheckpointStore(output);
        checkSettings();
        List<EpochRecord> history = new ArrayList<>();
        Block block = model.getBlock();
        if (!block.isInitialized()) {
            // New parts (a distillation block's connectors) need their arrays before a checkpoint fills them.
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 32, 32));
        }
        int start = 0; // complete epochs
        int skip = 0; // steps of epoch start + 1 already trained
        Optional<PruningMasks> savedMasks = Optional.empty();
        Optional<CheckpointStore.StepPoint> point = store.latestStep();
        if (point.isPresent()) {
            start = point.get().epoch() - 1;
            skip = point.get().steps();
            history.addAll(point.get().history());
            savedMasks = store.restoreStep(block);
            log.printf("resuming inside epoch %d of %d after step %d (its train loss and accuracy cover the "
                    + "remaining steps)%n", start + 1, settings.epochs(), skip);
        } else if (store.latest().isPresent()) {
            start = store.latest().get();
            history.addAll(store.restore(start, block));
            savedMasks = store.masksOf(start);
            log.printf("resuming from %s (epoch %d of %d)%n", store.params(start), start, settings.epochs());
        }
        if (start >= settings.epochs()) {
            log.println("all " + settings.epochs() + " epochs are done");
            return history;
        }
        long totalSteps = stepsPerEpoch * settings.epochs();
        LearningRateSchedule lr = new LearningRateSchedule(
                LearningRateSchedule.Kind.valueOf(settings.schedule()), settings.learningRate(), totalSteps,
                stepsPerEpoch * start + skip);
        EpochStatsListener stats = new EpochStatsListener();
        Optimizer sgd = Optimizer.sgd()
                .setLearningRateTracker(lr)
                .optMomentum(settings.momentum())
                .optWeightDecays(settings.weightDecay())
                .build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(optimizerWrapper == null ? sgd : optimizerWrapper.apply(sgd, block))
                .addTrainingListeners(TrainingListener.Defaults.logging())
                .addTrainingListeners(stats)
                .addTrainingListeners(listeners.toArray(TrainingListener[]::new));
        MaskedOptimizer masked = null;
        if (pruningPlan != null) {
            // A resumed run holds the masks saved with its checkpoint (folders from before masks were
            // saved: the checkpoint's zeros); a new run starts unpruned.
            PruningMasks held = savedMasks.orElse(start > 0 || skip > 0 ? zerosOf(block) : PruningMasks.of(Map.of()));
            masked = MaskedOptimizer.install(config, block, held);
            MaskedOptimizer optimizer = masked;
            config.addTrainingListeners(new ScheduledPruning(block, pruningPlan, pruningSchedule, masked)
                    .optStartEpoch(start)
                    .optOnPrune(e -> log.printf("pruning step after epoch %d: sparsity %.4f%n", e,
                            optimizer.getMasks().sparsity())));
        }
        if (fixedMasks != null) {
            // A resumed run holds the masks saved with its checkpoint; they are the fixed ones.
            masked = MaskedOptimizer.install(config, block, savedMasks.orElse(fixedMasks));
        }
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(new Shape(1, 3, 32, 32));
            for (int epoch = start + 1; epoch <= settings.epochs(); epoch++) {
                stats.reset();
                long t0 = System.nanoTime();
                if (train instanceof Cifar10 c) {
                    c.startAtEpoch(epoch); // a resumed run sees the epoch's original order
                }
                int done = epoch == start + 1 ? skip : 0;
                int step = 0;
                for (Batch batch : trainer.iterateDataset(train)) {
                    try (batch) {
                        if (step++ < done) {
                            continue;
                        }
                        EasyTrain.trainBatch(trainer, batch);
                        trainer.step();
                        if (checkpointSteps > 0 && step % checkpointSteps == 0 && step < stepsPerEpoch) {
                            store.saveStep(block, new CheckpointStore.StepPoint(epoch, step, List.copyOf(history)),
                                    masked != null ? masked.getMasks() : null);
                        }
                    }
                }
                double trainSeconds = (System.nanoTime() - t0) / 1e9;
                trainer.notifyListeners(listener -> listener.onEpoch(trainer));
                AccuracyResult testAccuracy = AccuracyEvaluation.evaluate(evaluated != null ? evaluated : block, test);
                EpochRecord record = new EpochRecord(epoch, stats.meanLoss(), stats.accuracy(),
                        testAccuracy.percent(), testAccuracy.correct(), testAccuracy.total(),
                        lr.at(stepsPerEpoch * epoch - 1), (System.nanoTime() - t0) / 1e9,
                        stats.images() / trainSeconds);
                history.add(record);
                store.save(block, history, masked != null ? masked.getMasks() : null);
                log.println(record.line());
            }
        } finally {
            if (masked != null) {
                masked.close();
            }
        }
        return history;
    }

    /** Masks that keep exactly the nonzero weights of the plan's tensors. */
    private PruningMasks zerosOf(Block block) {
        Map<String, ai.djl.ndarray.NDArray> weights = new LinkedHashMap<>();
        pruningPlan.sparsities().keySet().forEach(p -> weights.put(p, PrunableParameters.require(block, p).getArray()));
        return PruningMasks.fromArrays(weights);
    }

    private void checkSettings() throws IOException {
        Path file = output.resolve("run.json");
        if (Files.isRegularFile(file)) {
            Settings saved = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), Settings.class)
                    .withDefaults();
            if (!Objects.equals(saved, settings)) {
                throw new IllegalArgumentException("output folder " + output + " holds a different run ("
                        + saved + "); use another --output or delete it to start over");
            }
            return;
        }
        String json = GSON.toJson(settings);
        AtomicFiles.write(file, out -> out.write(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static long countBatches(Dataset data) throws IOException, TranslateException {
        if (data instanceof Cifar10 c) {
            return c.batchesPerEpoch();
        }
        long n = 0;
        try (ai.djl.ndarray.NDManager scratch = ai.djl.ndarray.NDManager.newBaseManager()) {
            for (Batch b : data.getData(scratch)) {
                b.close();
                n++;
            }
        }
        return n;
    }

    /** Options of a {@link TrainingRun}. */
    public static final class Builder {
        private int epochs = 1;
        private float learningRate = 0.1f;
        private float momentum = 0.9f;
        private float weightDecay = 1e-4f;
        private LearningRateSchedule.Kind schedule = LearningRateSchedule.Kind.COSINE;
        private Path output;
        private PrintStream log = System.out;
        private SparsityPlan pruningPlan;
        private PruningSchedule pruningSchedule;
        private PruningMasks fixedMasks;
        private Loss loss = Loss.softmaxCrossEntropyLoss();
        private String lossName = CROSS_ENTROPY;
        private Block evaluated;
        private int checkpointSteps = 100;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private java.util.function.BiFunction<Optimizer, Block, Optimizer> optimizerWrapper;

        private Builder() {}

        /**
         * Wraps the run's SGD optimizer (for example in AdderNet's {@code AdaptiveLearningRate}); the
         * wrapper is not part of the run's saved settings, so give such runs their own output folder.
         *
         * @param wrapper (SGD, trained block) → the optimizer to use
         * @return this builder
         */
        public Builder optOptimizerWrapper(java.util.function.BiFunction<Optimizer, Block, Optimizer> wrapper) {
            this.optimizerWrapper = Preconditions.checkNotNull(wrapper, "wrapper");
            return this;
        }

        /**
         * Adds listeners to the training configuration (beside logging, statistics and pruning).
         *
         * @param listeners the listeners
         * @return this builder
         */
        public Builder addTrainingListeners(TrainingListener... listeners) {
            this.listeners.addAll(Arrays.asList(listeners));
            return this;
        }

        /**
         * Sets how often a checkpoint is written inside an epoch, so that a killed run loses at most
         * this many steps; default 100; 0 for epoch checkpoints only.
         *
         * @param steps training steps between checkpoints, or 0
         * @return this builder
         */
        public Builder optCheckpointSteps(int steps) {
            Preconditions.checkArgument(steps >= 0, "checkpoint interval must be >= 0 steps, got %s", steps);
            this.checkpointSteps = steps;
            return this;
        }

        /**
         * Sets the training loss; default softmax cross-entropy. Its name is part of the run's settings.
         *
         * @param loss the loss (for distillation, over {@code DistillationBlock}'s outputs)
         * @param name a name that tells this loss and its options apart, e.g. {@code kd(T=4,a=0.9)}
         * @return this builder
         */
        public Builder optLoss(Loss loss, String name) {
            this.loss = Preconditions.checkNotNull(loss, "loss");
            this.lossName = Preconditions.checkNotNull(name, "loss name");
            return this;
        }

        /**
         * Sets the block whose test accuracy is reported each epoch; default the model's block (for
         * distillation: the student inside the {@code DistillationBlock}).
         *
         * @param block the block evaluated
         * @return this builder
         */
        public Builder optEvaluatedBlock(Block block) {
            this.evaluated = block;
            return this;
        }

        /**
         * Sets the number of epochs.
         *
         * @param epochs at least 1
         * @return this builder
         */
        public Builder setEpochs(int epochs) {
            Preconditions.checkArgument(epochs > 0, "epochs must be positive, got %s", epochs);
            this.epochs = epochs;
            return this;
        }

        /**
         * Sets the initial learning rate; default 0.1.
         *
         * @param lr a positive rate
         * @return this builder
         */
        public Builder optLearningRate(float lr) {
            Preconditions.checkArgument(lr > 0 && Float.isFinite(lr), "learning rate must be positive, got %s", lr);
            this.learningRate = lr;
            return this;
        }

        /**
         * Sets SGD momentum; default 0.9.
         *
         * @param momentum in [0, 1)
         * @return this builder
         */
        public Builder optMomentum(float momentum) {
            Preconditions.checkArgument(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got %s", momentum);
            this.momentum = momentum;
            return this;
        }

        /**
         * Sets L2 weight decay; default 1e-4.
         *
         * @param weightDecay at least 0
         * @return this builder
         */
        public Builder optWeightDecay(float weightDecay) {
            Preconditions.checkArgument(weightDecay >= 0, "weight decay must be >= 0, got %s", weightDecay);
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * Sets the learning-rate schedule; default cosine.
         *
         * @param schedule the schedule
         * @return this builder
         */
        public Builder optSchedule(LearningRateSchedule.Kind schedule) {
            this.schedule = Preconditions.checkNotNull(schedule, "schedule");
            return this;
        }

        /**
         * Sets the folder for checkpoints and run settings.
         *
         * @param output the folder
         * @return this builder
         */
        public Builder setOutput(Path output) {
            this.output = Preconditions.checkNotNull(output, "output");
            return this;
        }

        /**
         * Sets where epoch lines are printed; default standard output.
         *
         * @param log the stream
         * @return this builder
         */
        public Builder optLog(PrintStream log) {
            this.log = Preconditions.checkNotNull(log, "log");
            return this;
        }

        /**
         * Prunes by magnitude during the run and holds the masks exactly: the plan's sparsities are
         * reached along the schedule (one-shot: before the first epoch), then kept until the end.
         *
         * @param finalPlan per-tensor final sparsities
         * @param schedule the pruning schedule
         * @return this builder
         */
        public Builder optPruning(SparsityPlan finalPlan, PruningSchedule schedule) {
            this.pruningPlan = Preconditions.checkNotNull(finalPlan, "finalPlan");
            this.pruningSchedule = Preconditions.checkNotNull(schedule, "schedule");
            return this;
        }

        /**
         * Holds fixed masks exactly for the whole run (a lottery ticket's retraining): the pruned weights
         * are zeroed before the first step and stay zero.
         *
         * @param masks the masks
         * @return this builder
         */
        public Builder optMasks(PruningMasks masks) {
            this.fixedMasks = Preconditions.checkNotNull(masks, "masks");
            return this;
        }

        /** @return the run */
        public TrainingRun build() {
            Preconditions.checkState(output != null, "setOutput is required");
            Preconditions.checkState(fixedMasks == null || pruningPlan == null,
                    "fixed masks and a pruning schedule exclude each other");
            return new TrainingRun(this);
        }
    }
}
