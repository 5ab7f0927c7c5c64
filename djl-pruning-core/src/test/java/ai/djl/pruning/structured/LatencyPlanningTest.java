package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.analysis.LatencyModel;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.pruning.nn.Relu;
import org.testng.annotations.Test;

/**
 * Latency-target planning with a fake latency model whose time is the MACs (in · out · k² · H · W / stride²)
 * and whose element-wise operations are free, on a network whose channels are all equally important: each
 * step then takes the 8 channels that save the most, and the widths can be worked out by hand.
 */
public class LatencyPlanningTest {

    private static final Shape IN = new Shape(1, 3, 8, 8);
    private static final LatencyModel MACS = new LatencyModel() {
        @Override
        public double conv(Conv c) {
            return (double) c.in() * c.out() * c.kernel() * c.kernel() * c.height() * c.width() / (c.stride() * c.stride());
        }

        @Override
        public double elementwise(long elements) {
            return 0;
        }
    };

    private static Block net(NDManager manager) {
        Block net = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build())
                .add(new Relu())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build())
                .add(new Relu()).add(new GlobalAvgPool2d()).add(Linear.builder().setUnits(10).build());
        net.initialize(manager, DataType.FLOAT32, IN);
        net.getParameters().forEach(p -> ParameterWrites.set(p.getValue().getArray(), new NDIndex("..."), 1f));
        return net;
    }

    private static int[] widths(ChannelPruningPlan plan) {
        return new int[] {plan.widths().get("01Conv2d[CONV_OUT]")[1], plan.widths().get("03Conv2d[CONV_OUT]")[1]};
    }

    @Test
    public void greedyStepsGiveTheWidthsWorkedOutByHand() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = net(manager);
            // Dense 55,296 + 589,824 + 320 = 645,440; target 322,720. Cutting conv1 by 8 saves 161,280 each time
            // (its filters and conv2's inputs), more than conv2's 147,536 / 110,672 / 73,808: 32 → 24 → 16
            // (322,880, just above) → 8 (161,600).
            ChannelPruner pruner = ChannelPruner.builder().optRoundTo(8).build();
            assertEquals(widths(pruner.planForLatency(net, IN, 0.5, MACS)), new int[] {8, 32});
            // At least 16 channels per layer: conv1 stops at 16, then conv2 32 → 24 (249,072).
            assertEquals(widths(ChannelPruner.builder().optRoundTo(8).optMinChannels(16).build()
                    .planForLatency(net, IN, 0.5, MACS)), new int[] {16, 24});
            // conv1 protected: conv2 alone, 32 → 24 (497,904) → 16 (350,368) → 8 (202,832).
            ChannelPruningPlan plan = ChannelPruner.builder().optRoundTo(8).optProtect("01Conv2d").build()
                    .planForLatency(net, IN, 0.5, MACS);
            assertEquals(widths(plan), new int[] {32, 8});
            pruner.apply(net, plan, manager); // a valid plan: verified against the masked original
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> ChannelPruner.builder()
                    .optRoundTo(8).optProtect("01Conv2d").build().planForLatency(net, IN, 0.05, MACS));
            assertTrue(e.getMessage().contains("no plan reaches 0.05 of the predicted latency"), e.getMessage());
        }
    }
}
