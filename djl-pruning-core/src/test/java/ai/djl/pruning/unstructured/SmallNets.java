package ai.djl.pruning.unstructured;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small blocks and helpers for the fine-grained pruning tests. */
final class SmallNets {

    private SmallNets() {}

    /** conv(3→8, 3×3) - BN - ReLU - conv(8→8, 3×3) - BN - ReLU - mean - fc(8→4). */
    static Block convNet(NDManager manager) {
        Block net = new NamedSequentialBlock()
                .add("conv1", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
                .add("bn1", BatchNorm.builder().build())
                .add("relu1", new Relu())
                .add("conv2", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
                .add("bn2", BatchNorm.builder().build())
                .add("relu2", new Relu())
                .add("pool", new GlobalAvgPool2d())
                .add("fc", Linear.builder().setUnits(4).build());
        net.initialize(manager, DataType.FLOAT32, IN);
        return net;
    }



    /** The input shape of {@link #convNet}: batches of 4 images 3×6×6. */
    static final Shape IN = new Shape(4, 3, 6, 6);

    /**
     * Trains with SGD (momentum 0.9) on batches drawn from the engine's generator, the masks held by
     * {@link MaskedOptimizer}; returns every step's loss.
     */
    static float[] train(Model model, PruningMasks masks, int steps) {
        return train(model, masks, steps,
                Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).optMomentum(0.9f).build());
    }

    /** As {@link #train(Model, PruningMasks, int)}, with another optimizer. */
    static float[] train(Model model, PruningMasks masks, int steps, Optimizer optimizer) {
        float[] losses = new float[steps];
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(optimizer);
        try (MaskedOptimizer masked = MaskedOptimizer.install(config, model.getBlock(), masks);
                Trainer trainer = model.newTrainer(config);
                NDManager data = NDManager.newBaseManager()) {
            trainer.initialize(IN);
            for (int step = 0; step < steps; step++) {
                try (NDManager batch = data.newSubManager()) {
                    NDArray x = batch.randomNormal(IN);
                    NDArray y = batch.randomInteger(0, 4, new Shape(IN.get(0)), DataType.FLOAT32);
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(new NDList(x));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(y), out);
                        losses[step] = loss.getFloat();
                        gc.backward(loss);
                    }
                    trainer.step();
                }
            }
        }
        return losses;
    }

    static void setWeight(Block block, String path, float[] values) {
        NDArray a = PrunableParameters.require(block, path).getArray();
        a.set(new NDIndex("..."), a.getManager().create(values, a.getShape()));
    }
}
