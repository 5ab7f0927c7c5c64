package ai.djl.pruning.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.Importance;
import ai.djl.pruning.structured.LayerChannels;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import java.util.List;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class SoftFilterPruningTest {

    /** Values of each soft-pruned filter row / γ / β of conv1, bn1, conv2, bn2. */
    private static float[][] prunedValues(Block net, ChannelPruningPlan plan) {
        List<float[]> out = new java.util.ArrayList<>();
        for (LayerChannels l : plan.graph().layers()) {
            if (!l.role().isOutputSide()) {
                continue;
            }
            for (String kind : new String[] {"weight", "bias", "gamma", "beta"}) {
                String path = l.path() + "_" + kind;
                float[] v;
                try {
                    v = TrainingNets.values(net, path);
                } catch (IllegalArgumentException e) {
                    continue; // no such parameter in this layer
                }
                int rowLength = v.length / l.width();
                for (int i = 0; i < l.width(); i++) {
                    if (plan.pruned().contains(l.channels()[i])) {
                        float[] row = new float[rowLength];
                        System.arraycopy(v, i * rowLength, row, 0, rowLength);
                        out.add(row);
                    }
                }
            }
        }
        return out.toArray(float[][]::new);
    }

    @DataProvider
    public Object[][] criteria() {
        return new Object[][] {{"l2", Importance.l2()}, {"fpgm", Importance.fpgm()}};
    }

    @Test(dataProvider = "criteria")
    public void zeroedAfterEachEpochAndFreeToRegrowThenPrunedForReal(String name, Importance importance) {
        Engine.getInstance().setRandomSeed(9);
        try (Model model = Model.newInstance("sfp-" + name); NDManager manager = NDManager.newBaseManager()) {
            model.setBlock(TrainingNets.convNet(model.getNDManager()));
            Block net = model.getBlock();
            SoftFilterPruning sfp = SoftFilterPruning.builder(net, TrainingNets.IN).optRatio(0.25)
                    .optImportance(importance).build();
            try (TrainingNets.Session session = new TrainingNets.Session(model, Loss.softmaxCrossEntropyLoss(),
                    List.of(sfp))) {
                session.steps(10);
                for (int epoch = 1; epoch <= 2; epoch++) {
                    session.endEpoch();
                    ChannelPruningPlan plan = sfp.lastPlan().orElseThrow();
                    assertEquals(plan.pruned().size(), 4, "25% of the 2 groups of 8 channels");
                    float[][] zeroed = prunedValues(net, plan);
                    assertEquals(zeroed.length, 16, "per channel: filter, bias, γ, β");
                    for (float[] row : zeroed) {
                        for (float v : row) {
                            assertEquals(Float.floatToRawIntBits(v), 0, "epoch " + epoch + ": soft-pruned value " + v);
                        }
                    }
                    // The next epoch trains them like the others (momentum and gradients), so they regrow.
                    session.steps(10);
                    int regrown = 0;
                    for (float[] row : prunedValues(net, plan)) {
                        for (float v : row) {
                            regrown += v != 0 ? 1 : 0;
                        }
                    }
                    assertTrue(regrown > 0, "epoch " + epoch + ": no soft-pruned value moved after training");
                }
            }
            assertEquals(sfp.zeroings(), 2);
            Block pruned = sfp.prune(manager);
            assertEquals(TrainingNets.values(pruned, "02bn1_gamma").length + TrainingNets.values(pruned, "05bn2_gamma").length, 12);
            // The narrow block computes what the zeroed wide block computes.
            try (NDManager scope = manager.newSubManager()) {
                NDList x = new NDList(scope.randomNormal(TrainingNets.IN));
                float[] wide = net.forward(new ParameterStore(scope, false), x, false).singletonOrThrow().toFloatArray();
                float[] narrow = pruned.forward(new ParameterStore(scope, false), x, false).singletonOrThrow().toFloatArray();
                for (int i = 0; i < wide.length; i++) {
                    assertEquals(narrow[i], wide[i], 1e-4f);
                }
            }
        }
    }

    @Test
    public void badInput() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = TrainingNets.convNet(manager);
            assertThrows(IllegalArgumentException.class, () -> SoftFilterPruning.builder(net, TrainingNets.IN).optRatio(0));
            assertThrows(IllegalArgumentException.class, () -> SoftFilterPruning.builder(net, TrainingNets.IN).optRatio(1));
            SoftFilterPruning sfp = SoftFilterPruning.builder(net, new Shape(8, 3, 6, 6)).build();
            assertThrows(IllegalStateException.class, () -> sfp.prune(manager));
        }
    }
}
