package ai.djl.pruning.unstructured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Map;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class MaskedTrainingTest {

    @DataProvider
    public Object[][] optimizers() {
        return new Object[][] {
            {"sgd-momentum-wd", Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f)
                    .optWeightDecays(1e-3f).build()},
            {"adam", Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).optWeightDecays(1e-3f).build()},
        };
    }

    @Test(dataProvider = "optimizers")
    public void prunedWeightsStayExactlyZeroFor250Steps(String name, Optimizer optimizer) {
        try (Model model = Model.newInstance("masked-" + name)) {
            model.setBlock(SmallNets.convNet(model.getNDManager()));
            Block net = model.getBlock();
            // Momentum from dense training first, so that pruned weights would be revived without masks.
            float[] conv2Before = PrunableParameters.require(net, "04conv2_weight").getArray().toFloatArray();
            PruningMasks masks = MagnitudePruner.builder().build()
                    .masks(net, SparsityPlan.uniform(PrunableParameters.of(net).keySet(), 0.7));
            SmallNets.train(model, masks, 250, optimizer);
            long pruned = 0;
            for (Map.Entry<String, PruningMasks.Mask> e : masks.masks().entrySet()) {
                float[] w = PrunableParameters.require(net, e.getKey()).getArray().toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    if (!e.getValue().kept().get(i)) {
                        assertEquals(Float.floatToRawIntBits(w[i]), 0, e.getKey() + "[" + i + "] = " + w[i]); // +0.0
                        pruned++;
                    }
                }
            }
            assertTrue(pruned > 300, "pruned " + pruned);
            // The survivors did train.
            assertTrue(!java.util.Arrays.equals(conv2Before,
                    PrunableParameters.require(net, "04conv2_weight").getArray().toFloatArray()));
        }
    }

    @Test
    public void scheduleFractions() {
        PruningSchedule agp = PruningSchedule.agp(1, 4, 2);
        assertEquals(agp.fraction(0), 0.0);
        assertEquals(agp.fraction(1), 0.0);
        assertEquals(agp.fraction(5), 1 - Math.pow(0.5, 3), 1e-12);
        assertEquals(agp.fraction(9), 1.0);
        assertEquals(agp.fraction(20), 1.0);
        assertEquals(PruningSchedule.oneShot().fraction(0), 1.0);
        PruningSchedule iterative = PruningSchedule.iterative(4, 2);
        assertEquals(iterative.fraction(0), 0.25);
        assertEquals(iterative.fraction(2), 0.5);
        assertEquals(iterative.fraction(7), 1.0);
    }

    @Test
    public void scheduledPruningFollowsAgpAndOnlyPrunesSurvivors() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = SmallNets.convNet(manager);
            SparsityPlan target = SparsityPlan.uniform(PrunableParameters.of(net).keySet(), 0.8);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build());
            MaskedOptimizer masked = MaskedOptimizer.install(config, net, PruningMasks.of(Map.of()));
            ScheduledPruning schedule = new ScheduledPruning(net, target, PruningSchedule.agp(0, 2, 1), masked);
            schedule.onTrainingBegin(null);
            assertEquals(masked.getMasks().sparsity(), 0.0, 1e-12);
            schedule.onEpoch(null); // fraction 1 − (1/2)³ = 0.875 → sparsity 0.7
            PruningMasks first = masked.getMasks();
            for (PruningMasks.Mask m : first.masks().values()) {
                assertEquals(m.keptCount(), m.shape().size() - Math.round(m.shape().size() * 0.7));
            }
            schedule.onEpoch(null); // fraction 1 → sparsity 0.8
            PruningMasks second = masked.getMasks();
            assertEquals(second.and(first), second); // everything pruned before stays pruned
            for (PruningMasks.Mask m : second.masks().values()) {
                assertEquals(m.keptCount(), m.shape().size() - Math.round(m.shape().size() * 0.8));
            }
            masked.close();
        }
    }
}
