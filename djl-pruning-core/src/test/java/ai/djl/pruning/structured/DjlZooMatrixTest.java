package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.testing.DjlZooNetworks;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.testng.annotations.Test;

/**
 * Channel pruning to half the MACs on every network of DJL's basicmodelzoo, as a DJL user builds them;
 * prints the matrix (MAC ratio reached, verification error against the masked original, or the refusal).
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
                    outcome = String.format(Locale.ROOT, "pruned | %.2f× | %.1e", ratio, v.verificationError());
                    assertTrue(ratio >= 1.9 && ratio <= 2.2, n + ": MAC ratio " + ratio);
                    assertTrue(v.verificationError() < 1e-5, n + ": verification error " + v.verificationError());
                    pruned++;
                } catch (IllegalArgumentException | IllegalStateException e) {
                    outcome = "refused | | " + e.getMessage();
                }
                rows.add(String.format(Locale.ROOT, "| %s | %s | %,d | %s | %.1f s |", n.name(), n.inputShape(), before,
                        outcome, (System.nanoTime() - start) / 1e9));
            }
        }
        System.out.println("| network | input | MACs | channel pruning | MAC ratio | verification error / refusal | time |");
        System.out.println("|---|---|---:|---|---:|---|---:|");
        rows.forEach(System.out::println);
        assertEquals(pruned, 11, String.join("\n", rows));
    }
}
