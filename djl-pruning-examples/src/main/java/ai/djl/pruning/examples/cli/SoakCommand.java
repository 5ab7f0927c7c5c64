package ai.djl.pruning.examples.cli;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.examples.data.Cifar10;
import ai.djl.pruning.examples.train.CheckpointStore;
import ai.djl.pruning.examples.train.TrainingRun;
import ai.djl.pruning.examples.zoo.CifarModel;
import ai.djl.pruning.examples.zoo.ZooModels;
import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.PruningSchedule;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener.BatchData;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The long reliability check of issue #12: fine-grained masks held through thousands of real training
 * steps (SGD with momentum and weight decay, the production {@link TrainingRun} loop with its
 * checkpoints), then many evaluation batches, with the process's resident memory sampled along the way.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Train a masked model for many steps, then evaluate many batches, recording resident memory "
                + "and checking that every pruned weight stays exactly zero.")
final class SoakCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, defaultValue = "resnet20", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--sparsity", defaultValue = "0.5",
            description = "Sparsity of every conv and linear weight, pruned by magnitude (default: ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--steps", defaultValue = "10000", description = "Training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--steps-per-epoch", defaultValue = "1000",
            description = "Training steps per epoch: the first N × batch training images (default: ${DEFAULT-VALUE}).")
    int stepsPerEpoch;

    @Option(names = "--batch-size", defaultValue = "8",
            description = "Training batch size; small, since the number of steps is the point (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--eval-batches", defaultValue = "1000",
            description = "Evaluation batches of 10 test images after training (default: ${DEFAULT-VALUE}).")
    int evalBatches;

    @Option(names = "--every", defaultValue = "500",
            description = "Sample memory and check the masks every N training steps (default: ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--data", description = "Folder with the CIFAR-10 binary files; default: searched.")
    Path data;

    @Option(names = {"-o", "--output"}, description = "Output folder (default: runs/soak-<model>).")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (steps <= 0 || stepsPerEpoch <= 0 || steps % stepsPerEpoch != 0) {
            throw new IllegalArgumentException("--steps must be a positive multiple of --steps-per-epoch, got "
                    + steps + " and " + stepsPerEpoch);
        }
        if (every <= 0 || evalBatches <= 0 || evalBatches % 100 != 0) {
            throw new IllegalArgumentException("--every must be positive and --eval-batches a positive multiple of 100");
        }
        CifarModel zoo = CifarModel.of(model);
        Path out = output == null ? Paths.get("runs", "soak-" + zoo.modelName()) : output;
        Files.createDirectories(out);
        Cifar10 train = Cifar10.builder().optDirectory(data).optLimit((long) stepsPerEpoch * batchSize)
                .setShuffledSampling(batchSize, 42).build();
        Cifar10 test = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).optLimit(1000)
                .setSampling(100, false).build();
        List<String> rows = new ArrayList<>();
        rows.add("phase,step,rss_mib,heap_mib,pruned_nonzero,elapsed_s");
        long t0 = System.nanoTime();
        try (Model m = ZooModels.load(zoo, null)) {
            Block block = m.getBlock();
            SparsityPlan plan = SparsityPlan.uniform(PrunableParameters.of(block).keySet(), sparsity);
            // The masks one-shot pruning will compute inside the run, from the same weights.
            PruningMasks expected = MagnitudePruner.builder().build().masks(block, plan);
            Probe probe = new Probe(block, expected, every, rows, t0);
            TrainingRun.builder().setEpochs(steps / stepsPerEpoch).optLearningRate(0.01f)
                    .optPruning(plan, PruningSchedule.oneShot()).addTrainingListeners(probe)
                    .setOutput(out.resolve("train")).build().fit(m, train, test);
            // Held for every step: the masks saved with the last checkpoint against the final weights.
            PruningMasks masks = new CheckpointStore(out.resolve("train")).masksOf(steps / stepsPerEpoch).orElseThrow();
            if (!masks.equals(expected)) {
                throw new IllegalStateException("the masks saved with the last checkpoint differ from the one-shot masks");
            }
            long nonzero = nonzeroPruned(block, masks);
            rows.add(row("train-end", steps, nonzero, t0));
            Cifar10 evalSet = Cifar10.builder().optUsage(Cifar10.Usage.TEST).optDirectory(data).optLimit(1000)
                    .setSampling(10, false).build();
            AccuracyResult last = null;
            for (int done = 100; done <= evalBatches; done += 100) {
                last = AccuracyEvaluation.evaluate(block, evalSet); // 100 batches of 10
                rows.add(row("eval", done, nonzero, t0));
            }
            String csv = String.join("\n", rows) + "\n";
            AtomicFiles.write(out.resolve("soak.csv"), o -> o.write(csv.getBytes(StandardCharsets.UTF_8)));
            System.out.print(csv);
            System.out.printf(Locale.ROOT, "masks: %d tensors, sparsity %.4f; pruned weights not exactly zero at any "
                    + "check: %d; accuracy on the first 1000 test images: %.2f%%%n", masks.masks().size(),
                    masks.sparsity(), probe.worst + nonzero, last.percent());
            return probe.worst + nonzero == 0 ? 0 : 1;
        }
    }

    /** Samples memory and counts pruned weights that are not +0.0 every N steps. */
    private static final class Probe extends TrainingListenerAdapter {
        private final Block block;
        private final PruningMasks masks;
        private final int every;
        private final List<String> rows;
        private final long t0;
        private long steps;
        private long worst;

        Probe(Block block, PruningMasks masks, int every, List<String> rows, long t0) {
            this.block = block;
            this.masks = masks;
            this.every = every;
            this.rows = rows;
            this.t0 = t0;
        }

        @Override
        public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            // Called after the gradients, before the optimizer step: a sample at step N sees the
            // weights after N − 1 steps.
            steps++;
            if (steps % every == 0) {
                long nonzero = nonzeroPruned(block, masks);
                worst += nonzero;
                rows.add(row("train", steps, nonzero, t0));
            }
        }
    }

    static long nonzeroPruned(Block block, PruningMasks masks) {
        long n = 0;
        for (Map.Entry<String, PruningMasks.Mask> e : masks.masks().entrySet()) {
            float[] w = PrunableParameters.require(block, e.getKey()).getArray().toFloatArray();
            for (int i = 0; i < w.length; i++) {
                n += !e.getValue().kept().get(i) && Float.floatToRawIntBits(w[i]) != 0 ? 1 : 0;
            }
        }
        return n;
    }

    private static String row(String phase, long step, long nonzero, long t0) {
        Runtime rt = Runtime.getRuntime();
        return String.format(Locale.ROOT, "%s,%d,%.1f,%.1f,%d,%.0f", phase, step, rssMib(),
                (rt.totalMemory() - rt.freeMemory()) / 1048576.0, nonzero, (System.nanoTime() - t0) / 1e9);
    }

    /** Resident set size from /proc (Linux); NaN elsewhere. */
    static double rssMib() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return Double.NaN;
    }
}
