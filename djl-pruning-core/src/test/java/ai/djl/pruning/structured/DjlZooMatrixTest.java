package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.io.ModelFiles;
import ai.djl.pruning.onnx.OnnxExporter;
import ai.djl.pruning.onnx.OnnxImportTest;
import ai.djl.pruning.testing.DjlZooNetworks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.testng.annotations.Test;

/**
 * Channel pruning to half the MACs on every network of DJL's basicmodelzoo, as a DJL user builds them;
 * prints the matrix: MAC ratio reached, verification error against the masked original (or the refusal),
 * the pruned model saved and reloaded, exported to ONNX and run by ONNX Runtime, and the original channel-sorted.
 * {@code mvn -B test -pl djl-pruning-core -Dtest=DjlZooMatrixTest}
 */
public class DjlZooMatrixTest {

    @Test
    public void channelPruningToHalfTheMacs() {
        List<String> rows = new ArrayList<>();
        int pruned = 0;
        for (DjlZooNetworks.Network n : DjlZooNetworks.all()) {
            long start = System.nanoTime();
            try (NDManager manager = NDManager.newBaseManager()) {
                Block net = n.factory().get();
                net.initialize(manager, DataType.FLOAT32, n.inputShape());
                ChannelPrunerTest.randomiseBatchNorm(net, manager);
                long before = ModelProfile.of(net, n.inputShape(), MacConvention.CONV_LINEAR).macs();
                String outcome;
                try {
                    ChannelPruner pruner = ChannelPruner.builder().build();
                    ChannelPruningPlan plan = pruner.planForMacs(net, n.inputShape(), 0.5, manager);
                    ChannelPruner.VerifiedBlock v = pruner.applyVerified(net, plan, manager);
                    long after = ModelProfile.of(v.block(), n.inputShape(), MacConvention.CONV_LINEAR).macs();
                    double ratio = (double) before / after;
                    outcome = String.format(Locale.ROOT, "pruned | %.2f× | %.1e | %s | %s | %s", ratio,
                            v.verificationError(), reloadError(v.block(), n.inputShape(), manager),
                            onnxError(v.block(), n.inputShape(), manager), sorting(net, n.inputShape(), manager));
                    assertTrue(ratio >= 1.9 && ratio <= 2.2, n + ": MAC ratio " + ratio);
                    assertTrue(v.verificationError() < 1e-5, n + ": verification error " + v.verificationError());
                    pruned++;
                } catch (IllegalArgumentException | IllegalStateException e) {
                    outcome = "refused | | " + e.getMessage() + " | | |";
                }
                rows.add(String.format(Locale.ROOT, "| %s | %s | %,d | %s | %.1f s |", n.name(), n.inputShape(), before,
                        outcome, (System.nanoTime() - start) / 1e9));
            }
        }
        System.out.println("| network | input | MACs | channel pruning | MAC ratio | verification error / refusal "
                + "| saved + reloaded: max diff | ONNX Runtime vs DJL: max diff | channel sorting | time |");
        System.out.println("|---|---|---:|---|---:|---:|---:|---:|---|---:|");
        rows.forEach(System.out::println);
        assertEquals(pruned, 11, String.join("\n", rows));
    }

    private static float[] probe(Shape shape) {
        float[] x = new float[(int) shape.size()];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /** The pruned model saved with its architecture and loaded again computes exactly the same. */
    private static String reloadError(Block pruned, Shape in, NDManager manager) {
        try {
            Path dir = Files.createTempDirectory("zoo-pruned");
            ModelFiles.save(pruned, in, dir);
            Block again = ModelFiles.load(dir, manager);
            float[] x = probe(in);
            double d = maxDiff(OnnxImportTest.forward(again, manager, x, in), OnnxImportTest.forward(pruned, manager, x, in));
            assertEquals(d, 0.0, "reloaded model differs");
            return String.format(Locale.ROOT, "%.0e", d);
        } catch (Exception e) {
            throw new AssertionError("save/reload failed: " + e.getMessage(), e);
        }
    }

    /** The pruned model exported to ONNX and run by ONNX Runtime, or the exporter's refusal. */
    private static String onnxError(Block pruned, Shape in, NDManager manager) {
        Path file;
        try {
            file = Files.createTempDirectory("zoo-onnx").resolve("pruned.onnx");
            OnnxExporter.export(pruned, in, file);
        } catch (IllegalArgumentException e) {
            return "not exported: " + e.getMessage();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            float[] x = probe(in);
            float[] expected = OnnxImportTest.forward(pruned, manager, x, in);
            double d = maxDiff(OnnxImportTest.onnxRuntime(file, x, in), expected);
            double scale = 0;
            for (float v : expected) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertTrue(d <= 1e-4 * Math.max(1, scale), "ONNX Runtime differs by " + d);
            return String.format(Locale.ROOT, "%.1e", d);
        } catch (Exception e) {
            throw new AssertionError("ONNX Runtime could not run the export: " + e.getMessage(), e);
        }
    }

    /** Channel sorting (an equivalent permutation, verified inside against the original). */
    private static String sorting(Block net, Shape in, NDManager manager) {
        ChannelSorter.builder().build().sort(net, in, manager);
        return "sorted";
    }
}
