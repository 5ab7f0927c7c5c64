package ai.djl.pruning.examples.pipeline;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.analysis.LatencyBenchmark;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.distillation.DistillationBlock;
import ai.djl.pruning.distillation.KnowledgeDistillationLoss;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.pipeline.PipelineStep.Allocate;
import ai.djl.pruning.examples.pipeline.PipelineStep.FineTune;
import ai.djl.pruning.examples.pipeline.PipelineStep.Measure;
import ai.djl.pruning.examples.pipeline.PipelineStep.Method;
import ai.djl.pruning.examples.pipeline.PipelineStep.Profile;
import ai.djl.pruning.examples.pipeline.PipelineStep.Prune;
import ai.djl.pruning.examples.pipeline.PipelineStep.Report;
import ai.djl.pruning.examples.pipeline.PipelineStep.Scan;
import ai.djl.pruning.examples.report.Plots;
import ai.djl.pruning.examples.train.EpochRecord;
import ai.djl.pruning.examples.train.LearningRateSchedule;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.io.TorchParameterNames;
import ai.djl.pruning.nn.BatchNormInsertion;
import ai.djl.pruning.onnx.OnnxImporter;
import ai.djl.pruning.structured.CalibrationData;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.Importance;
import ai.djl.pruning.torchscript.TorchScriptModels;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.PruningSchedule;
import ai.djl.pruning.unstructured.SensitivityResult;
import ai.djl.pruning.unstructured.SensitivityScan;
import ai.djl.pruning.unstructured.SparsityAllocator;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.dataset.Batch;
import com.google.common.base.Preconditions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a {@link PipelineSpec}. Each step writes its result into the output folder ({@link RunFolder}); a
 * rerun with the same pipeline skips the steps whose results exist and resumes fine-tuning inside its
 * epoch, so an interrupted run costs only the unfinished step.
 *
 * <pre>{@code
 * RunSummary summary = new Pipeline(PipelineSpec.defaults("resnet20")).run(System.out);
 * System.out.println(summary.compressedAccuracy() + " → " + summary.folder().report());
 * }</pre>
 */
public final class Pipeline {

    private final PipelineSpec spec;
    private final RunFolder folder;

    /**
     * Creates a runner.
     *
     * @param spec the pipeline
     */
    public Pipeline(PipelineSpec spec) {
        this.spec = Preconditions.checkNotNull(spec, "spec");
        this.folder = new RunFolder(spec.output());
    }

    /** @return the folder the results go to */
    public RunFolder folder() {
        return folder;
    }

    /**
     * Runs every step not yet done.
     *
     * @param log where progress goes
     * @return what the run measured
     * @throws Exception on data, model or training errors
     */
    public RunSummary run(PrintStream log) throws Exception {
        long start = System.nanoTime();
        folder.claim(spec);
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(spec.dataDir())
                .optLimit(spec.testImages() == null ? Long.MAX_VALUE : spec.testImages())
                .setSampling(250, false).build();
        test.prepare(null);
        RunSummary.Builder summary = RunSummary.builder(spec, folder);
        try (Model model = open(spec.model()); NDManager manager = NDManager.newBaseManager()) {
            Shape inputShape = ZooModels.INPUT_SHAPE;
            Block original = model.getBlock();
            ModelProfile originalProfile = ModelProfile.of(original, inputShape, MacConvention.CONV_LINEAR);
            summary.original(originalProfile);
            Block current = original;
            SensitivityResult scan = null;
            SparsityPlan plan = null;
            int n = spec.steps().size();
            int i = 0;
            for (PipelineStep step : spec.steps()) {
                i++;
                log.printf(Locale.ROOT, "== step %d/%d: %s ==%n", i, n, step.kind().key());
                long t0 = System.nanoTime();
                if (step instanceof Profile) {
                    profile(original, originalProfile, test, summary, log);
                } else if (step instanceof Scan s) {
                    scan = scan(current, s, summary, log);
                } else if (step instanceof Allocate a) {
                    plan = allocate(scan, originalProfile, a, log);
                } else if (step instanceof Prune p) {
                    if (p.method() == Method.FINE_GRAINED) {
                        plan = p.sparsity() != null
                                ? SparsityPlan.uniform(PrunableParameters.of(current).keySet(), p.sparsity()) : plan;
                        pruneFineGrained(model, plan, test, summary, log);
                    } else {
                        current = pruneChannels(model, inputShape, p, test, summary, manager, log);
                        model.setBlock(current);
                    }
                } else if (step instanceof FineTune f) {
                    fineTune(model, inputShape, f, plan, test, summary, log);
                } else if (step instanceof Measure me) {
                    measure(spec.model(), model, inputShape, me, test, summary, log);
                } else if (step instanceof Report) {
                    summary.seconds((System.nanoTime() - start) / 1e9);
                    ReportWriter.write(summary.build(), folder);
                    log.println("report: " + folder.report().toAbsolutePath().normalize());
                }
                log.printf(Locale.ROOT, "   (%s: %.1f s)%n", step.kind().key(), (System.nanoTime() - t0) / 1e9);
            }
        }
        summary.seconds((System.nanoTime() - start) / 1e9);
        return summary.build();
    }

    // ---- model source ----

    /**
     * Opens the pipeline's model. An ONNX graph's convolutions carry their folded BatchNorm, and such a
     * network fine-tunes badly (docs/results/onnx.md: NaN at the zoo's learning rate), so when the pipeline
     * fine-tunes, BatchNorm is put back first as the identity of 1,024 training images' statistics: the
     * model computes the same function, and every step sees the same block.
     */
    private Model open(PipelineSpec.ModelSource source) throws Exception {
        if (source.zoo() != null) {
            return ZooModels.load(CifarModel.of(source.zoo()), source.weights());
        }
        Path file = source.file();
        Preconditions.checkArgument(Files.isRegularFile(file), "model file %s does not exist", file);
        if (!file.toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            return TorchScriptModels.load(file, ZooModels.INPUT_SHAPE);
        }
        Model m = Model.newInstance(source.name());
        try {
            OnnxImporter.OnnxImport imported = OnnxImporter.load(file, m.getNDManager());
            Preconditions.checkArgument(imported.inputShape().equals(ZooModels.INPUT_SHAPE),
                    "%s takes input %s; the pipeline's data is CIFAR-10 %s", file, imported.inputShape(),
                    ZooModels.INPUT_SHAPE);
            Block block = imported.block();
            if (spec.step(FineTune.class).isPresent() && hasConvWithoutBatchNorm(block)) {
                List<NDArray> calibration = new ArrayList<>();
                Cifar10 images = Cifar10.builder().optDirectory(spec.dataDir()).optAugment(false).optLimit(1024)
                        .setSampling(128, false).build();
                images.prepare(null);
                try (NDManager scope = m.getNDManager().newSubManager()) {
                    for (Batch b : images.getData(scope)) {
                        calibration.add(b.getData().singletonOrThrow());
                    }
                    block = BatchNormInsertion.afterConvolutions(block, ZooModels.INPUT_SHAPE, calibration,
                            m.getNDManager());
                }
            }
            m.setBlock(block);
            return m;
        } catch (Exception | Error e) {
            m.close();
            throw e;
        }
    }

    private static boolean hasConvWithoutBatchNorm(Block block) {
        List<Block> flat = new ArrayList<>();
        flatten(block, flat);
        for (int i = 0; i < flat.size(); i++) {
            if (flat.get(i) instanceof Conv2d && (i + 1 == flat.size() || !(flat.get(i + 1) instanceof BatchNorm))) {
                return true;
            }
        }
        return false;
    }

    private static void flatten(Block block, List<Block> out) {
        if (block.getChildren().isEmpty()) {
            out.add(block);
        } else {
            block.getChildren().values().forEach(c -> flatten(c, out));
        }
    }

    // ---- steps ----

    private void profile(Block block, ModelProfile profile, Cifar10 test, RunSummary.Builder summary, PrintStream log)
            throws Exception {
        Optional<AccuracyResult> saved = folder.readAccuracy(RunFolder.PROFILE);
        AccuracyResult acc = saved.isPresent() ? saved.get() : AccuracyEvaluation.evaluate(block, test);
        if (saved.isPresent()) {
            log.println("   done before: " + folder.file(RunFolder.PROFILE));
        } else {
            folder.writeAccuracy(RunFolder.PROFILE, acc);
            folder.writeString("profile.txt", profile.toTable());
        }
        summary.originalAccuracy(acc);
        log.printf(Locale.ROOT, "   %,d parameters, %s MACs, %.2f MiB at 32 bits, accuracy %s%n", profile.params(),
                profile.macsKnown() ? String.format(Locale.ROOT, "%.2f M", profile.macs() / 1e6)
                        : "unknown (" + profile.unknownLayers().size() + " opaque block(s))",
                profile.sizeBytes(32) / 1048576.0, acc);
    }

    private SensitivityResult scan(Block block, Scan step, RunSummary.Builder summary, PrintStream log) throws Exception {
        Path file = folder.file(RunFolder.SCAN);
        SensitivityResult scan;
        if (Files.isRegularFile(file)) {
            scan = SensitivityResult.fromJson(Files.readString(file));
            log.println("   done before: " + file);
        } else {
            Cifar10 subset = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(spec.dataDir())
                    .optLimit(step.images()).setSampling(250, false).build();
            subset.prepare(null);
            int total = PrunableParameters.of(block).size() * step.sparsities().size();
            AtomicInteger done = new AtomicInteger();
            double[] grid = step.sparsities().stream().mapToDouble(Double::doubleValue).toArray();
            scan = SensitivityScan.builder().optSparsities(grid)
                    .optProgress(line -> log.printf(Locale.ROOT, "   [scan %3d/%d] %s%n", done.incrementAndGet(), total,
                            line.strip()))
                    .build()
                    .run(block, b -> AccuracyEvaluation.evaluate(b, subset).percent(),
                            "first " + subset.size() + " test images");
            String json = scan.toJson();
            AtomicFiles.write(file, o -> o.write(json.getBytes(StandardCharsets.UTF_8)));
            folder.writeString("scan.csv", scan.toCsv());
            Plots.sensitivityCurves(scan, TorchParameterNames.aliases(block), folder.file(RunFolder.PLOT_SENSITIVITY));
        }
        summary.scan(scan);
        return scan;
    }

    private SparsityPlan allocate(SensitivityResult scan, ModelProfile profile, Allocate step, PrintStream log)
            throws Exception {
        SparsityAllocator.Allocation a = SparsityAllocator.builder().build()
                .allocate(scan, profile.params(), step.budget());
        // Cheap and deterministic: always recomputed, written for the record.
        folder.writeString(RunFolder.PLAN, a.plan().toJson());
        log.printf(Locale.ROOT, "   %,d nonzero of %,d parameters (budget %.0f%%), predicted accuracy on the scan "
                + "subset %.2f%% (dense %.2f%%)%n", a.nonzeroParams(), profile.params(), 100 * step.budget(),
                a.predictedAccuracy(), scan.denseAccuracy());
        return a.plan();
    }

    private void pruneFineGrained(Model model, SparsityPlan plan, Cifar10 test, RunSummary.Builder summary,
            PrintStream log) throws Exception {
        Block block = model.getBlock();
        Path masksFile = folder.file(RunFolder.MASKS);
        Optional<AccuracyResult> saved = folder.readAccuracy(RunFolder.PRUNED);
        PruningMasks masks;
        if (saved.isPresent() && Files.isRegularFile(masksFile)) {
            masks = PruningMasks.load(masksFile);
            log.println("   done before: " + masksFile);
        } else {
            masks = MagnitudePruner.builder().build().masks(block, plan);
            masks.save(masksFile);
        }
        masks.apply(block);
        AccuracyResult acc = saved.isPresent() ? saved.get() : AccuracyEvaluation.evaluate(block, test);
        folder.writeAccuracy(RunFolder.PRUNED, acc);
        ModelProfile p = ModelProfile.of(block, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
        summary.addVariant(RunSummary.Variant.of("pruned (fine-grained)", p, true, acc.percent()));
        summary.prunedAccuracy(acc).sparsityPlan(plan);
        log.printf(Locale.ROOT, "   sparsity %.4f of the pruned tensors, accuracy %s%n", masks.sparsity(), acc);
    }

    private Block pruneChannels(Model model, Shape inputShape, Prune step, Cifar10 test, RunSummary.Builder summary,
            NDManager manager, PrintStream log) throws Exception {
        Block block = model.getBlock();
        Path chosenDir = folder.file(RunFolder.PRUNED_MODEL);
        List<RunSummary.Variant> variants = folder.readVariants();
        if (variants.isEmpty() || !Files.isDirectory(chosenDir)) {
            variants = new ArrayList<>();
            Cifar10 calibrationSet = Cifar10.builder().optDirectory(spec.dataDir()).optAugment(false)
                    .setShuffledSampling(128, 7).build();
            CalibrationData calibration = new CalibrationData(calibrationSet, 4);
            step.criteria().forEach(c -> Importance.of(c, 0, calibration)); // unknown names fail before any work
            Block best = null;
            double bestAcc = -1;
            for (String criterion : step.criteria()) {
                ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.of(criterion, 42, calibration))
                        .optRoundTo(step.roundTo()).build();
                ChannelPruningPlan plan = pruner.planForMacs(block, inputShape, step.macs(), manager);
                Block pruned = pruner.apply(block, plan, model.getNDManager());
                AccuracyResult acc = AccuracyEvaluation.evaluate(pruned, test);
                ModelProfile p = ModelProfile.of(pruned, inputShape, MacConvention.CONV_LINEAR);
                variants.add(RunSummary.Variant.of("pruned, " + criterion, p, false, acc.percent()));
                log.printf(Locale.ROOT, "   %-14s %.2f M MACs, %,d params, accuracy %s%n", criterion, p.macs() / 1e6,
                        p.params(), acc);
                if (acc.percent() > bestAcc) {
                    best = pruned;
                    bestAcc = acc.percent();
                }
            }
            ModelFiles.save(best, inputShape, chosenDir);
            folder.writeVariants(variants);
        } else {
            log.println("   done before: " + chosenDir);
        }
        Block chosen = ModelFiles.load(chosenDir, model.getNDManager());
        RunSummary.Variant best = variants.stream().max(java.util.Comparator.comparingDouble(RunSummary.Variant::accuracy))
                .orElseThrow();
        variants.forEach(summary::addVariant);
        summary.prunedAccuracy(AccuracyEvaluation.evaluate(chosen, test));
        log.println("   going on with " + best.name());
        return chosen;
    }

    private void fineTune(Model model, Shape inputShape, FineTune step, SparsityPlan plan, Cifar10 test,
            RunSummary.Builder summary, PrintStream log) throws Exception {
        Cifar10.Builder trainBuilder = Cifar10.builder().optDirectory(spec.dataDir()).setShuffledSampling(128, 42);
        if (step.trainImages() != null) {
            trainBuilder.optLimit(step.trainImages());
        }
        Cifar10 train = trainBuilder.build();
        train.prepare(null);
        TrainingRun.Builder run = TrainingRun.builder().setEpochs(step.epochs()).optLearningRate(step.learningRate())
                .optSchedule(LearningRateSchedule.Kind.COSINE).optLog(log).setOutput(folder.file(RunFolder.FINETUNE));
        boolean masked = spec.step(Prune.class).map(p -> p.method() == Method.FINE_GRAINED).orElse(false);
        if (masked) {
            Preconditions.checkArgument(step.teacher() == null, "finetune: distillation with fine-grained masks is not "
                    + "supported yet (the masks are held on the student's own parameter paths); drop 'teacher' or "
                    + "use channel pruning");
            run.optPruning(plan, PruningSchedule.oneShot());
        }
        List<EpochRecord> history;
        if (step.teacher() == null) {
            history = run.build().fit(model, train, test);
        } else {
            try (Model teacher = step.teacher().equals("original") ? open(spec.model())
                    : ZooModels.load(CifarModel.of(step.teacher()), null);
                    Model distillation = Model.newInstance("distillation")) {
                Block student = model.getBlock();
                distillation.setBlock(DistillationBlock.builder(student, teacher.getBlock(), inputShape).build());
                history = run.optLoss(new KnowledgeDistillationLoss(4, 0.9f), "kd").optEvaluatedBlock(student).build()
                        .fit(distillation, train, test);
            }
        }
        summary.history(history);
        EpochRecord last = history.get(history.size() - 1);
        ModelProfile p = ModelProfile.of(model.getBlock(), inputShape, MacConvention.CONV_LINEAR);
        summary.addVariant(RunSummary.Variant.of("fine-tuned", p, masked, last.testAccuracy()));
        log.printf(Locale.ROOT, "   after %d epoch(s): %s%n", history.size(), last.testResult());
    }

    private void measure(PipelineSpec.ModelSource source, Model model, Shape inputShape, Measure step, Cifar10 test,
            RunSummary.Builder summary, PrintStream log) throws Exception {
        Block compressed = model.getBlock();
        Optional<RunSummary.Measurement> saved = folder.readMeasurement();
        RunSummary.Measurement m;
        if (saved.isPresent()) {
            m = saved.get();
            log.println("   done before: " + folder.file(RunFolder.MEASURE));
        } else {
            try (Model original = open(source)) {
                ModelProfile before = ModelProfile.of(original.getBlock(), inputShape, MacConvention.CONV_LINEAR);
                ModelProfile after = ModelProfile.of(compressed, inputShape, MacConvention.CONV_LINEAR);
                AccuracyResult accBefore = summary.originalAccuracy()
                        .orElse(AccuracyEvaluation.evaluate(original.getBlock(), test));
                AccuracyResult accAfter = AccuracyEvaluation.evaluate(compressed, test);
                double latencyBefore = Double.NaN;
                double latencyAfter = Double.NaN;
                if (step.latency()) {
                    LatencyBenchmark bench = LatencyBenchmark.builder().optWarmup(10).optRepetitions(50)
                            .optBatchSizes(1).build();
                    Shape sample = new Shape(3, 32, 32);
                    bench.run(compressed, sample); // warm both before timing either
                    latencyBefore = bench.run(original.getBlock(), sample).get(0).medianMs();
                    latencyAfter = bench.run(compressed, sample).get(0).medianMs();
                }
                m = RunSummary.Measurement.of(before, after, accBefore, accAfter, latencyBefore, latencyAfter);
                Plots.weightHistograms(original.getBlock(), false, 40, folder.file(RunFolder.PLOT_WEIGHTS_ORIGINAL));
                Plots.weightHistograms(compressed, true, 40, folder.file(RunFolder.PLOT_WEIGHTS_COMPRESSED));
                List<RunSummary.LayerRow> layers = RunSummary.LayerRow.compare(before, after,
                        TorchParameterNames.aliases(original.getBlock()));
                ReportWriter.parameterPlot(layers, folder.file(RunFolder.PLOT_PARAMS));
                folder.writeLayers(layers);
                folder.writeMeasurement(m);
            }
        }
        summary.measurement(m).layers(folder.readLayers());
        log.print(m.report().toText());
    }
}
