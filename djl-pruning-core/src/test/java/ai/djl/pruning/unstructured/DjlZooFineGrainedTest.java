package ai.djl.pruning.unstructured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.io.TorchParameterNames;
import ai.djl.pruning.testing.DjlZooNetworks;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.ndarray.NDList;
import java.util.Map;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Fine-grained pruning on the networks DJL users build (DJL's basicmodelzoo, plain SequentialBlocks), whose
 * layers share PyTorch-style names: DJL paths are the identity, masks are exact, and training with the
 * masks held keeps every pruned weight at zero.
 */
public class DjlZooFineGrainedTest {

    @Test
    public void plainSequentialBlockTrainsWithMasksHeld() {
        try (Model model = Model.newInstance("plain")) {
            Block net = new SequentialBlock()
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).build())
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).build())
                    .add(ai.djl.nn.Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(4).build());
            model.setBlock(net);
            Shape in = new Shape(4, 3, 8, 8);
            net.initialize(model.getNDManager(), DataType.FLOAT32, in);
            // Both convolutions are "Conv2d.weight" in PyTorch style: display names fall back to DJL paths.
            Map<String, String> aliases = TorchParameterNames.aliases(net);
            assertEquals(aliases.get("01Conv2d_weight"), "01Conv2d_weight");
            assertEquals(aliases.get("02Conv2d_weight"), "02Conv2d_weight");
            assertEquals(aliases.get("04Linear_weight"), "Linear.weight");
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> TorchParameterNames.of(net));
            assertTrue(e.getMessage().contains("01Conv2d_weight and 02Conv2d_weight"), e.getMessage());

            PruningMasks masks = MagnitudePruner.builder().build()
                    .masks(net, SparsityPlan.uniform(PrunableParameters.of(net).keySet(), 0.7));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build());
            try (MaskedOptimizer optimizer = MaskedOptimizer.install(config, net, masks);
                    Trainer trainer = model.newTrainer(config)) {
                masks.apply(net);
                NDManager m = model.getNDManager();
                NDArray x = m.randomNormal(in);
                NDArray y = m.randomNormal(new Shape(4, 4));
                for (int step = 0; step < 20; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                        gc.backward(trainer.getLoss().evaluate(new NDList(y), new NDList(out)));
                    }
                    trainer.step();
                }
            }
            for (Map.Entry<String, PruningMasks.Mask> e2 : masks.masks().entrySet()) {
                float[] w = PrunableParameters.require(net, e2.getKey()).getArray().toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    if (!e2.getValue().kept().get(i)) {
                        assertEquals(w[i], 0f, e2.getKey() + "[" + i + "]");
                    }
                }
            }
        }
    }
}
