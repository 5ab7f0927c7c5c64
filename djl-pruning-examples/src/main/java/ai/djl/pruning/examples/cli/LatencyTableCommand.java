package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.LatencyComparison;
import ai.djl.pruning.deploy.BatchNormFolding;
import ai.djl.pruning.deploy.Deployment;
import ai.djl.pruning.deploy.LatencyTable;
import ai.djl.pruning.deploy.LayerTimer;
import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.Importance;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Measures a latency table for a zoo model and checks its predictions against measured whole models. */
@Command(name = "latency-table", mixinStandardHelpOptions = true,
        description = "Measure the per-layer latency table of a model on a runtime (every convolution shape a plan "
                + "at the width multiple can give), print it, and compare its predicted speed-ups with measured ones "
                + "on a handful of pruned variants (BatchNorm folded, timed side by side).")
final class LatencyTableCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet56", description = "Zoo model or saved folder (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--runtime", defaultValue = "onnxruntime", description = "onnxruntime or pytorch (default: ${DEFAULT-VALUE}).")
    String runtime;

    @Option(names = "--batch", defaultValue = "1", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--multiple", defaultValue = "16", description = "Width multiple (default: ${DEFAULT-VALUE}).")
    int multiple;

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds for the whole models (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--targets", split = ",", defaultValue = "0.7,0.5",
            description = "Latency targets of the planned variants (default: ${DEFAULT-VALUE}).")
    double[] targets;

    @Option(names = "--print-table", description = "Print every entry of the table.")
    boolean printTable;

    static LayerTimer timer(String runtime) {
        return switch (runtime) {
            case "onnxruntime" -> LayerTimer.onnxRuntime(0, 10, 30);
            case "pytorch" -> LayerTimer.djl(10, 30);
            default -> throw new IllegalArgumentException("unknown runtime '" + runtime + "': onnxruntime or pytorch");
        };
    }

    @Override
    public Integer call() throws Exception {
        LayerTimer timer = timer(runtime);
        Shape in = new Shape(batch).addAll(ZooModels.INPUT_SHAPE.slice(1));
        try (Model m = ModelOptions.openSavedOrZoo(model, false); NDManager manager = NDManager.newBaseManager()) {
            Block block = m.getBlock();
            long start = System.nanoTime();
            LatencyTable table = LatencyTable.measure(block, in, multiple, timer);
            System.out.printf(Locale.ROOT, "%s; %s at batch %d; multiple %d: %d convolution shapes measured in %.0f s%n",
                    EngineConfiguration.describeInForce(), runtime, batch, multiple, table.size(),
                    (System.nanoTime() - start) / 1e9);
            if (printTable) {
                System.out.println(table.toMarkdown());
            }
            // Variants: uniform L1 at two ratios, and latency plans at two targets.
            Map<String, ChannelPruningPlan> plans = new LinkedHashMap<>();
            ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.l1()).optRoundTo(multiple).build();
            plans.put("uniform L1 0.3", pruner.plan(block, in, 0.3));
            plans.put("uniform L1 0.6", pruner.plan(block, in, 0.6));
            for (double target : targets) {
                try {
                    plans.put("latency " + target, pruner.planForLatency(block, in, target, table));
                } catch (IllegalArgumentException e) {
                    System.out.println("latency " + target + ": " + e.getMessage());
                }
            }
            List<AutoCloseable> open = new ArrayList<>();
            try {
                List<LatencyComparison.Candidate> candidates = new ArrayList<>();
                candidates.add(candidate("dense", BatchNormFolding.fold(block, in, manager).block(), in, open, manager));
                for (Map.Entry<String, ChannelPruningPlan> e : plans.entrySet()) {
                    Block pruned = pruner.apply(block, e.getValue(), manager);
                    candidates.add(candidate(e.getKey(), BatchNormFolding.fold(pruned, in, manager).block(), in, open,
                            manager));
                }
                LatencyComparison.Result r = LatencyComparison.builder().optRounds(rounds).optBatchSizes(batch).build()
                        .run(candidates, in.slice(1));
                System.out.println("| variant | predicted speed-up | measured speed-up | measured (ms) | error |");
                System.out.println("|---|---:|---:|---:|---:|");
                double dense = r.median("dense", batch);
                for (Map.Entry<String, ChannelPruningPlan> e : plans.entrySet()) {
                    double[] p = e.getValue().predictLatency(table);
                    double predicted = p[0] / p[1];
                    double measured = dense / r.median(e.getKey(), batch);
                    System.out.printf(Locale.ROOT, "| %s | %.2f× | %.2f× | %s | %+.0f%% |%n", e.getKey(), predicted,
                            measured, r.timing(e.getKey(), batch), 100 * (predicted / measured - 1));
                }
                System.out.printf(Locale.ROOT, "dense: %s%n", r.timing("dense", batch));
            } finally {
                for (int i = open.size() - 1; i >= 0; i--) {
                    open.get(i).close();
                }
            }
        }
        return 0;
    }

    private LatencyComparison.Candidate candidate(String name, Block block, Shape in, List<AutoCloseable> open,
            NDManager manager) throws Exception {
        if (runtime.equals("pytorch")) {
            Model m = Model.newInstance(name);
            open.add(m);
            m.setBlock(block);
            Predictor<NDList, NDList> p = m.newPredictor(new NoopTranslator());
            open.add(p);
            return new LatencyComparison.Candidate(name, p, manager);
        }
        Path dir = Files.createTempDirectory("latency-variant");
        ZooModel<NDList, NDList> ort = Deployment.loadOnnxRuntime(Deployment.writeOnnx(block, in, dir), 0);
        open.add(ort);
        Predictor<NDList, NDList> p = ort.newPredictor();
        open.add(p);
        return new LatencyComparison.Candidate(name, p, ort.getNDManager());
    }
}
