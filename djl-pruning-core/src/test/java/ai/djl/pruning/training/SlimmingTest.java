package ai.djl.pruning.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import org.testng.annotations.Test;

public class SlimmingTest {

    private static final float[] GAMMA1 = {0.1f, -2f, 3f, -0.01f, 5f, 6f, 7f, 8f};
    private static final float[] GAMMA2 = {1f, -1f, 1f, 1f, 1f, 1f, 0.05f, -0.2f};

    /** A task loss whose gradient with respect to every parameter is exactly zero. */
    private static Loss zeroLoss() {
        return new Loss("zero") {
            @Override
            public NDArray evaluate(NDList labels, NDList predictions) {
                return predictions.singletonOrThrow().mul(0).sum();
            }
        };
    }

    /** Gradients of bn1's and bn2's γ after one backward pass of the loss on a fixed batch. */
    private static float[][] gammaGradients(Loss loss, long seed) {
        try (Model model = Model.newInstance("grad")) {
            Engine.getInstance().setRandomSeed(3);
            model.setBlock(TrainingNets.convNet(model.getNDManager()));
            Block net = model.getBlock();
            TrainingNets.set(net, "02bn1_gamma", GAMMA1);
            TrainingNets.set(net, "05bn2_gamma", GAMMA2);
            Loss used = loss instanceof SlimmingLoss s ? new SlimmingLoss(s.base(), net, s.lambda(), p -> true) : loss;
            DefaultTrainingConfig config = new DefaultTrainingConfig(used)
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build());
            try (Trainer trainer = model.newTrainer(config); NDManager data = NDManager.newBaseManager()) {
                trainer.initialize(TrainingNets.IN);
                data.getEngine().setRandomSeed((int) seed);
                NDArray x = data.randomNormal(TrainingNets.IN);
                NDArray y = data.randomInteger(0, 4, new Shape(TrainingNets.IN.get(0)), DataType.FLOAT32);
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDList out = trainer.forward(new NDList(x));
                    gc.backward(trainer.getLoss().evaluate(new NDList(y), out));
                }
                return new float[][] {
                    TrainingNets.param(net, "02bn1_gamma").getArray().getGradient().toFloatArray(),
                    TrainingNets.param(net, "05bn2_gamma").getArray().getGradient().toFloatArray()
                };
            }
        }
    }

    private static Loss slimming(Loss base, float lambda) {
        try (NDManager m = NDManager.newBaseManager()) {
            return new SlimmingLoss(base, TrainingNets.convNet(m), lambda, p -> true);
        }
    }

    @Test
    public void penaltyGradientOnGammaIsLambdaTimesSignGamma() {
        float lambda = 0.003f;
        float[][] g = gammaGradients(slimming(zeroLoss(), lambda), 1);
        float[][] gammas = {GAMMA1, GAMMA2};
        for (int l = 0; l < 2; l++) {
            for (int i = 0; i < gammas[l].length; i++) {
                assertEquals(g[l][i], lambda * Math.signum(gammas[l][i]), 0f, "bn" + (l + 1) + " γ[" + i + "]");
            }
        }
    }

    @Test
    public void withATaskLossThePenaltyAddsExactlyLambdaSignGamma() {
        float lambda = 0.01f;
        float[][] task = gammaGradients(Loss.softmaxCrossEntropyLoss(), 2);
        float[][] both = gammaGradients(slimming(Loss.softmaxCrossEntropyLoss(), lambda), 2);
        float[][] gammas = {GAMMA1, GAMMA2};
        boolean taskNonzero = false;
        for (int l = 0; l < 2; l++) {
            for (int i = 0; i < gammas[l].length; i++) {
                taskNonzero |= task[l][i] != 0;
                assertEquals(both[l][i] - task[l][i], lambda * Math.signum(gammas[l][i]), 1e-6f,
                        "bn" + (l + 1) + " γ[" + i + "]");
            }
        }
        assertTrue(taskNonzero, "the task loss must move γ for this test to mean something");
    }

    @Test
    public void penaltySelectsBatchNormsByPath() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TrainingNets.convNet(m);
            SlimmingLoss loss = new SlimmingLoss(Loss.l2Loss(), net, 1f, p -> p.startsWith("05bn2"));
            assertEquals(loss.penalised(), List.of("05bn2_gamma"));
            TrainingNets.set(net, "05bn2_gamma", GAMMA2);
            try (NDManager scope = m.newSubManager()) {
                double expected = 0;
                for (float v : GAMMA2) {
                    expected += Math.abs(v);
                }
                assertEquals(loss.penalty(scope).getFloat(), expected, 1e-5);
            }
        }
    }

    @Test
    public void globalThresholdRemovesTheSmallestGammasForARatio() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TrainingNets.convNet(m);
            TrainingNets.set(net, "02bn1_gamma", GAMMA1);
            TrainingNets.set(net, "05bn2_gamma", GAMMA2);
            float[] before = TrainingNets.values(net, "04conv2_weight");
            SlimmingPlan plan = NetworkSlimming.builder().setChannelRatio(0.25).build()
                    .plan(net, TrainingNets.IN, m);
            // 16 prunable channels (the classifier's outputs are protected); the 4 smallest |γ|:
            // bn1 ch3 (0.01), bn2 ch6 (0.05), bn1 ch0 (0.1), bn2 ch7 (0.2).
            assertEquals(plan.prunable(), 16);
            assertEquals(plan.removed(), 4);
            assertEquals(plan.threshold(), 0.2, 1e-6);
            assertEquals(plan.channels().widths().get("01conv1[CONV_OUT]")[1], 6);
            assertEquals(plan.channels().widths().get("04conv2[CONV_OUT]")[1], 6);
            assertTrue(plan.toString().contains("threshold 0.2"), plan.toString());
            Block pruned = NetworkSlimming.builder().setChannelRatio(0.25).build().apply(net, plan, m);
            assertEquals(TrainingNets.values(pruned, "02bn1_gamma"), new float[] {-2f, 3f, 5f, 6f, 7f, 8f});
            assertEquals(TrainingNets.values(net, "04conv2_weight"), before, "the original changed");
            assertEquals(plan.macsAfter(), ModelProfile.of(pruned, TrainingNets.IN, MacConvention.CONV_LINEAR).macs());
        }
    }

    @Test
    public void macTargetIsMetByTheSmallestThreshold() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TrainingNets.convNet(m);
            TrainingNets.set(net, "02bn1_gamma", GAMMA1);
            TrainingNets.set(net, "05bn2_gamma", GAMMA2);
            SlimmingPlan plan = NetworkSlimming.builder().setMacFraction(0.6).build().plan(net, TrainingNets.IN, m);
            assertTrue(plan.macFraction() <= 0.6, plan.toString());
            // One channel fewer (the ratio plan just below) would miss the target.
            SlimmingPlan fewer = NetworkSlimming.builder().setChannelRatio((plan.removed() - 1) / 16.0).build()
                    .plan(net, TrainingNets.IN, m);
            assertEquals(fewer.removed(), plan.removed() - 1);
            assertTrue(fewer.macFraction() > 0.6, fewer.toString());
        }
    }

    @Test
    public void pipelineTrainsWithPenaltyPrunesThenFineTunesANewModel() throws Exception {
        Engine.getInstance().setRandomSeed(4);
        try (Model model = Model.newInstance("slim")) {
            model.setBlock(TrainingNets.convNet(model.getNDManager()));
            List<String> stages = new ArrayList<>();
            NetworkSlimming slimming = NetworkSlimming.builder().optLambda(1e-3f).setMacFraction(0.5).build();
            NetworkSlimming.Result r = slimming.run(model, TrainingNets.IN, (m, loss, stage) -> {
                stages.add(stage + (loss instanceof SlimmingLoss ? "+penalty" : ""));
                TrainingNets.train(m, loss, null, 5, List.of());
            });
            try (Model pruned = r.pruned()) {
                assertEquals(stages, List.of("SPARSITY+penalty", "FINE_TUNE"));
                assertTrue(r.plan().macFraction() <= 0.5, r.plan().toString());
                assertEquals(ModelProfile.of(pruned.getBlock(), TrainingNets.IN, MacConvention.CONV_LINEAR).macs(),
                        r.plan().macsAfter());
                assertTrue(pruned.getBlock() != model.getBlock());
            }
        }
    }

    @Test
    public void badInputIsRefusedBeforeAnyTraining() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> NetworkSlimming.builder().optLambda(-1e-4f));
        assertThrows(IllegalArgumentException.class, () -> NetworkSlimming.builder().optLambda(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> NetworkSlimming.builder().setMacFraction(0));
        assertThrows(IllegalArgumentException.class, () -> NetworkSlimming.builder().setMacFraction(1.5));
        assertThrows(IllegalArgumentException.class, () -> NetworkSlimming.builder().setChannelRatio(1));
        assertThrows(IllegalArgumentException.class, () -> NetworkSlimming.builder().setChannelRatio(-0.1));
        assertThrows(IllegalStateException.class, () -> NetworkSlimming.builder().build());
        try (Model model = Model.newInstance("bad")) {
            model.setBlock(TrainingNets.convNet(model.getNDManager()));
            Block net = model.getBlock();
            assertThrows(IllegalArgumentException.class, () -> new SlimmingLoss(Loss.l2Loss(), net, -1f, p -> true));
            WeightSnapshot before = WeightSnapshot.of(net);
            NetworkSlimming none = NetworkSlimming.builder().optBatchNorms(p -> false).setMacFraction(0.5).build();
            assertThrows(IllegalArgumentException.class, () -> none.run(model, TrainingNets.IN, (m, l, s) -> {
                throw new AssertionError("trained despite an empty selection");
            }));
            // A MAC target no threshold reaches: a clear error, the block untouched.
            NetworkSlimming tiny = NetworkSlimming.builder().setMacFraction(0.001).build();
            IllegalArgumentException e = org.testng.Assert.expectThrows(IllegalArgumentException.class,
                    () -> tiny.plan(net, TrainingNets.IN, model.getNDManager()));
            assertTrue(e.getMessage().contains("no |γ| threshold reaches"), e.getMessage());
            before.tensors().keySet().forEach(p -> assertEquals(TrainingNets.values(net, p), before.values(p), p));
        }
    }
}
