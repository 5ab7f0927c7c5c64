package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.LatencyComparison;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.deploy.BatchNormFolding;
import ai.djl.pruning.deploy.Deployment;
import ai.djl.pruning.deploy.RuntimeProfile;
import ai.djl.pruning.analysis.LayerProfile;
import ai.djl.pruning.examples.report.Plots;
import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.nn.ProbeInputs;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.google.common.base.Preconditions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Builds the inference form of a pruned model and measures it against the original in both runtimes. */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = "Fold BatchNorm into the convolutions of a pruned model, write it (DJL files + ONNX), check the "
                + "ONNX form in DJL's OnnxRuntime engine against the DJL block, and time original and pruned side by "
                + "side (interleaved rounds) in DJL's PyTorch engine and in DJL's OnnxRuntime engine.")
final class DeployCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true,
            description = "The pruned model: a folder saved by a pruning command, or a zoo name.")
    String pruned;

    @Option(names = "--original", defaultValue = "resnet56",
            description = "The original it was pruned from, a zoo name or folder (default: ${DEFAULT-VALUE}).")
    String original;

    @Option(names = {"-o", "--out"}, required = true, description = "Folder for the deployment model and report.")
    Path out;

    @Option(names = "--batch-sizes", split = ",", defaultValue = "1,32", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batchSizes;

    @Option(names = "--rounds", defaultValue = "5", description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--reps", defaultValue = "30", description = "Timed passes per round (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--warmup", defaultValue = "10", description = "Warm-up passes per round (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--threads", defaultValue = "0",
            description = "ONNX Runtime intra-op threads, 0 for its default (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--breakdown", description = "Also profile both models in ONNX Runtime (its own per-kernel profiler, "
            + "--reps passes after --warmup) and write where the time goes per part, beside the MAC reduction of each "
            + "part: breakdown.md and breakdown-b<batch>.png.")
    boolean breakdown;

    @Override
    public Integer call() throws Exception {
        Preconditions.checkArgument(rounds >= 1, "--rounds must be at least 1, got %s", rounds);
        Shape in = ZooModels.INPUT_SHAPE;
        Shape sample = in.slice(1);
        List<AutoCloseable> open = new ArrayList<>();
        try (Model mo = ModelOptions.openSavedOrZoo(original, false);
                Model mp = ModelOptions.openSavedOrZoo(pruned, false);
                NDManager manager = NDManager.newBaseManager()) {
            long macsO = ModelProfile.of(mo.getBlock(), in, MacConvention.CONV_LINEAR).macs();
            long macsP = ModelProfile.of(mp.getBlock(), in, MacConvention.CONV_LINEAR).macs();
            BatchNormFolding.Folded fo = BatchNormFolding.fold(mo.getBlock(), in, manager);
            BatchNormFolding.Folded fp = BatchNormFolding.fold(mp.getBlock(), in, manager);
            Path model = out.resolve("model");
            ModelFiles.save(fp.block(), in, model);
            Path onnxP = Deployment.writeOnnx(fp.block(), in, out.resolve("onnx"));
            Path onnxO = Deployment.writeOnnx(fo.block(), in, out.resolve("original-onnx"));
            try {
                ZooModel<NDList, NDList> ortO = Deployment.loadOnnxRuntime(onnxO, threads);
                open.add(ortO);
                ZooModel<NDList, NDList> ortP = Deployment.loadOnnxRuntime(onnxP, threads);
                open.add(ortP);
                double ortError = ortError(fp.block(), ortP, in, manager);
                List<LatencyComparison.Candidate> candidates = new ArrayList<>();
                candidates.add(pytorch("original, PyTorch", fo.block(), open, manager));
                candidates.add(pytorch("pruned, PyTorch", fp.block(), open, manager));
                candidates.add(onnxRuntime("original, ONNX Runtime", ortO, open));
                candidates.add(onnxRuntime("pruned, ONNX Runtime", ortP, open));
                LatencyComparison.Result r = LatencyComparison.builder().optRounds(rounds).optRepetitions(repetitions)
                        .optWarmup(warmup).optBatchSizes(batchSizes).build().run(candidates, sample);
                String report = report(r, macsO, macsP, fo, fp, ortError);
                AtomicFiles.write(out.resolve("latency.md"), s -> s.write(report.getBytes(StandardCharsets.UTF_8)));
                System.out.print(report);
                if (breakdown) {
                    String b = breakdown(onnxO, onnxP, mo.getBlock(), mp.getBlock());
                    AtomicFiles.write(out.resolve("breakdown.md"), s -> s.write(b.getBytes(StandardCharsets.UTF_8)));
                    System.out.print(b);
                }
            } finally {
                for (int i = open.size() - 1; i >= 0; i--) {
                    open.get(i).close();
                }
            }
        }
        return 0;
    }

    /** Kernel time per part of the network in ONNX Runtime, original beside pruned, with each part's MAC cut. */
    private String breakdown(Path onnxO, Path onnxP, Block original, Block prunedBlock) throws Exception {
        Map<String, Long> macsO = macsByPart(original);
        Map<String, Long> macsP = macsByPart(prunedBlock);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n## Where the time goes (ONNX Runtime's "
                + "profiler, %d passes after %d warm-up; kernels as the runtime ran them, after its fusions)%n", repetitions,
                warmup));
        for (int b : batchSizes) {
            Shape input = new Shape(b).addAll(ZooModels.INPUT_SHAPE.slice(1));
            RuntimeProfile po = RuntimeProfile.onnxRuntime(onnxO, threads, input, warmup, repetitions);
            RuntimeProfile pp = RuntimeProfile.onnxRuntime(onnxP, threads, input, warmup, repetitions);
            Map<String, double[]> o = po.byGroup(op -> RuntimeProfile.part(op.node()));
            Map<String, double[]> p = pp.byGroup(op -> RuntimeProfile.part(op.node()));
            sb.append(String.format(Locale.ROOT, "%n### Batch %d%n%n| part | kernels | original (ms) | pruned (ms) | "
                    + "speed-up | MAC reduction |%n|---|---:|---:|---:|---:|---:|%n", b));
            List<String> parts = new ArrayList<>(o.keySet());
            p.keySet().stream().filter(k -> !parts.contains(k)).forEach(parts::add);
            for (String part : parts) {
                double[] to = o.getOrDefault(part, new double[2]);
                double[] tp = p.getOrDefault(part, new double[2]);
                long mo = macsO.getOrDefault(part, 0L);
                long mp = macsP.getOrDefault(part, 0L);
                sb.append(String.format(Locale.ROOT, "| %s | %d → %d | %.3f | %.3f | %s | %s |%n", part, (int) to[0],
                        (int) tp[0], to[1], tp[1], tp[1] > 0 ? String.format(Locale.ROOT, "%.2f×", to[1] / tp[1]) : "",
                        mo > 0 && mp > 0 ? String.format(Locale.ROOT, "%.2f×", (double) mo / mp) : ""));
            }
            sb.append(String.format(Locale.ROOT, "| all kernels | %d → %d | %.3f | %.3f | %.2f× | %.2f× |%n",
                    po.ops().size(), pp.ops().size(), po.kernelMs(), pp.kernelMs(), po.kernelMs() / pp.kernelMs(),
                    (double) sum(macsO) / sum(macsP)));
            sb.append(String.format(Locale.ROOT, "| between kernels (the runtime's own work) | | %.3f | %.3f | %.2f× | |%n",
                    po.runMs() - po.kernelMs(), pp.runMs() - pp.kernelMs(),
                    (po.runMs() - po.kernelMs()) / (pp.runMs() - pp.kernelMs())));
            sb.append(String.format(Locale.ROOT, "| whole run | | %.3f | %.3f | %.2f× | |%n", po.runMs(), pp.runMs(),
                    po.runMs() / pp.runMs()));
            Map<String, List<? extends Number>> series = new LinkedHashMap<>();
            series.put("original", parts.stream().map(k -> o.getOrDefault(k, new double[2])[1]).toList());
            series.put("pruned", parts.stream().map(k -> p.getOrDefault(k, new double[2])[1]).toList());
            Path png = out.resolve("breakdown-b" + b + ".png");
            Plots.groupedBars(String.format(Locale.ROOT, "ONNX Runtime kernel time per part, batch %d", b),
                    "ms per pass", parts, series, png);
            sb.append(String.format("%n![kernel time per part, batch %d](%s)%n", b, png.getFileName()));
        }
        return sb.toString();
    }

    private static Map<String, Long> macsByPart(Block block) {
        Map<String, Long> macs = new LinkedHashMap<>();
        for (LayerProfile l : ModelProfile.of(block, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR).layers()) {
            macs.merge(RuntimeProfile.part(l.path()), l.macs(), Long::sum);
        }
        return macs;
    }

    private static long sum(Map<String, Long> macs) {
        return macs.values().stream().mapToLong(Long::longValue).sum();
    }

    private static LatencyComparison.Candidate pytorch(String name, Block block, List<AutoCloseable> open,
            NDManager manager) {
        Model m = Model.newInstance(name);
        open.add(m);
        m.setBlock(block);
        Predictor<NDList, NDList> p = m.newPredictor(new NoopTranslator());
        open.add(p);
        return new LatencyComparison.Candidate(name, p, manager);
    }

    private static LatencyComparison.Candidate onnxRuntime(String name, ZooModel<NDList, NDList> model,
            List<AutoCloseable> open) {
        Predictor<NDList, NDList> p = model.newPredictor();
        open.add(p);
        return new LatencyComparison.Candidate(name, p, model.getNDManager());
    }

    /** Largest difference between the ONNX Runtime model and the DJL block on a probe, relative (at least 1). */
    private static double ortError(Block block, ZooModel<NDList, NDList> ort, Shape in, NDManager manager)
            throws Exception {
        Shape probe = new Shape(4).addAll(in.slice(1));
        try (NDManager scope = manager.newSubManager(); NDManager ortScope = ort.getNDManager().newSubManager();
                Predictor<NDList, NDList> p = ort.newPredictor()) {
            float[] x = ProbeInputs.gaussian(scope, probe, 3).toFloatArray();
            float[] djl = block.forward(new ai.djl.training.ParameterStore(scope, false),
                    new NDList(scope.create(x, probe)), false).singletonOrThrow().toFloatArray();
            float[] got = p.predict(new NDList(ortScope.create(x, probe))).singletonOrThrow().toFloatArray();
            double d = 0;
            double scale = 1;
            for (int i = 0; i < djl.length; i++) {
                d = Math.max(d, Math.abs(djl[i] - got[i]));
                scale = Math.max(scale, Math.abs(djl[i]));
            }
            double error = d / scale;
            Preconditions.checkState(error <= 1e-4, "the ONNX Runtime model differs from the DJL block by %s", error);
            return error;
        }
    }

    private String report(LatencyComparison.Result r, long macsO, long macsP, BatchNormFolding.Folded fo,
            BatchNormFolding.Folded fp, double ortError) {
        double macRatio = (double) macsO / macsP;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "# Deployment of %s (original: %s)%n%n", pruned, original));
        sb.append(String.format(Locale.ROOT, "%s; %s; %d interleaved rounds × %d timed passes after %d warm-up; "
                + "ONNX Runtime threads: %s%n%n", EngineConfiguration.describeInForce(), LocalDate.now(), r.rounds(),
                repetitions, warmup, threads == 0 ? "its default" : threads));
        sb.append(String.format(Locale.ROOT, "BatchNorm folded: %d layers in the original (error %.1e), %d in the "
                + "pruned model (error %.1e); ONNX Runtime vs DJL: %.1e. MACs %.2f M → %.2f M (%.2f× fewer).%n%n",
                fo.folded().size(), fo.error(), fp.folded().size(), fp.error(), ortError, macsO / 1e6, macsP / 1e6,
                macRatio));
        sb.append("| runtime | batch | original (ms) | pruned (ms) | speed-up | ÷ MAC reduction |\n");
        sb.append("|---|---:|---:|---:|---:|---:|\n");
        for (String runtime : new String[] {"PyTorch", "ONNX Runtime"}) {
            for (int b : batchSizes) {
                LatencyComparison.Timing o = r.timing("original, " + runtime, b);
                LatencyComparison.Timing p = r.timing("pruned, " + runtime, b);
                double speedup = o.median() / p.median();
                sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %.2f× | %.2f |%n", runtime, b, o, p,
                        speedup, speedup / macRatio));
            }
        }
        sb.append("\nTimes: median of the round medians [lowest–highest round median]. Files: ")
                .append(out.resolve("model")).append(" (DJL), ").append(out.resolve("onnx")).append(" (ONNX).\n");
        return sb.toString();
    }
}
