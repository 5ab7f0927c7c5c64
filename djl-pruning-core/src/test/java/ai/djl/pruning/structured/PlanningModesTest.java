package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import com.google.common.collect.ImmutableMap;
import java.util.Map;
import org.testng.annotations.Test;

/**
 * Per-layer ratios, global ranking, rounding and parameter targets on the bottleneck net, whose prunable
 * groups are the 6-wide reduce group (conv1 … depthwise conv2 … conv3 input) and the 16-wide residual
 * output (conv3, bn3, shortcut conv and BN, fc input).
 */
public class PlanningModesTest {

    private static final Shape IN = ChannelPrunerTest.IN;

    private static int width(ChannelPruningPlan plan, String suffix) {
        return plan.widths().entrySet().stream().filter(e -> e.getKey().endsWith(suffix)).findFirst().orElseThrow()
                .getValue()[1];
    }

    @Test
    public void perLayerRatiosFollowTheFirstMatchingPattern() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.planPerLayer(net, IN, ImmutableMap.of("conv1$", 0.5, "conv", 0.0), 0.25);
            assertEquals(width(plan, "conv1[CONV_OUT]"), 3); // 6 · (1 − 0.5)
            assertEquals(width(plan, "conv3[CONV_OUT]"), 16); // "conv" matched first: ratio 0
            plan = pruner.planPerLayer(net, IN, ImmutableMap.of("conv1$", 0.5), 0.25);
            assertEquals(width(plan, "conv3[CONV_OUT]"), 12); // default 0.25 of 16
            pruner.apply(net, plan, manager);
            expectThrows(IllegalArgumentException.class,
                    () -> pruner.planPerLayer(net, IN, ImmutableMap.of("conv1", 1.5), 0.25));
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> pruner.planPerLayer(net, IN, ImmutableMap.of("layer9", 0.5), 0.25));
            assertTrue(e.getMessage().contains("ratio pattern 'layer9' matches no conv or linear layer"), e.getMessage());
            e = expectThrows(IllegalArgumentException.class,
                    () -> ChannelPruner.builder().optProtect("classifier").build().plan(net, IN, 0.25));
            assertTrue(e.getMessage().contains("protect pattern 'classifier' matches no layer path"), e.getMessage());
        }
    }

    @Test
    public void roundingKeepsMultiplesOfN() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            ChannelPruner pruner = ChannelPruner.builder().optRoundTo(4).build();
            ChannelPruningPlan plan = pruner.plan(net, IN, 0.3);
            // 6 · 0.7 = 4.2 → keeps 4; 16 − round(4.8) = 11 → rounded up to 12.
            assertEquals(width(plan, "conv1[CONV_OUT]"), 4);
            assertEquals(width(plan, "conv3[CONV_OUT]"), 12);
            plan = pruner.plan(net, IN, 0.5); // keeps 3 → 4, and 8
            assertEquals(width(plan, "conv2[DEPTHWISE]"), 4);
            assertEquals(width(plan, "conv3[CONV_OUT]"), 8);
            pruner.apply(net, plan, manager);
        }
    }

    @Test
    public void globalRankingRemovesTheRequestedShareOfAllChannels() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            ChannelPruner pruner = ChannelPruner.builder().optGlobalRanking(true).build();
            ChannelPruningPlan plan = pruner.plan(net, IN, 0.5);
            assertEquals(plan.pruned().size(), 11); // half of 6 + 16, wherever they lie
            pruner.apply(net, plan, manager);
            ChannelPruningPlan macs = pruner.planForMacs(net, IN, 0.6, manager);
            long before = ModelProfile.of(net, IN, MacConvention.CONV_LINEAR).macs();
            long after = ModelProfile.of(pruner.apply(net, macs, manager), IN, MacConvention.CONV_LINEAR).macs();
            assertTrue(after <= 0.6 * before && after > 0.3 * before, after + " vs " + before);
            expectThrows(IllegalStateException.class, () -> pruner.planPerLayer(net, IN, Map.of(), 0.1));
        }
    }

    @Test
    public void parameterTargetIsMet() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            long before = ModelProfile.of(net, IN, MacConvention.CONV_LINEAR).params();
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.planForParams(net, IN, 0.5, manager);
            long after = ModelProfile.of(pruner.apply(net, plan, manager), IN, MacConvention.CONV_LINEAR).params();
            assertTrue(after <= 0.5 * before && after > 0.25 * before, after + " vs " + before);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> pruner.planForParams(net, IN, 0, manager));
            assertTrue(e.getMessage().contains("parameters must be in (0, 1]"), e.getMessage());
        }
    }
}
