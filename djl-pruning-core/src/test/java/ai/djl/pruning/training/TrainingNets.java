package ai.djl.pruning.training;

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
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.unstructured.MaskedOptimizer;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import ai.djl.util.Pair;
import java.util.List;

/** A small conv net and a real DJL training loop (EasyTrain.trainBatch, listeners, optimizer) for these tests. */
final class TrainingNets {

    /** Batches of 8 images 3×6×6. */
    static final Shape IN = new Shape(8, 3, 6, 6);

    private TrainingNets() {}

    /** conv1(3→8) - bn1 - relu - conv2(8→8) - bn2 - relu - mean - fc(8→4). */
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

    static Parameter param(Block block, String path) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getKey().equals(path)) {
                return p.getValue();
            }
        }
        throw new IllegalArgumentException(path + " not in " + block.getParameters().keys());
    }

    static float[] values(Block block, String path) {
        return param(block, path).getArray().toFloatArray();
    }

    static void set(Block block, String path, float[] values) {
        NDArray a = param(block, path).getArray();
        try (NDManager scope = a.getManager().newSubManager()) {
            ParameterWrites.set(a, new NDIndex("..."), scope.create(values, a.getShape()));
        }
    }

    /** One trainer kept across epochs (its momentum too), stepped by hand. */
    static final class Session implements AutoCloseable {
        private final Trainer trainer;
        private final NDManager data = NDManager.newBaseManager();
        private int step;

        Session(Model model, Loss loss, List<TrainingListener> listeners) {
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).optMomentum(0.9f).build())
                    .addTrainingListeners(listeners.toArray(TrainingListener[]::new));
            trainer = model.newTrainer(config);
            trainer.initialize(IN);
        }

        void steps(int n) {
            for (int i = 0; i < n; i++, step++) {
                NDManager bm = data.newSubManager();
                NDArray x = bm.randomNormal(IN);
                NDArray y = bm.randomInteger(0, 4, new Shape(IN.get(0)), DataType.FLOAT32);
                try (Batch batch = new Batch(bm, new NDList(x), new NDList(y), (int) IN.get(0), Batchifier.STACK,
                        Batchifier.STACK, step, step + 1)) {
                    EasyTrain.trainBatch(trainer, batch);
                    trainer.step();
                }
                bm.close();
            }
        }

        /** What EasyTrain does at an epoch's end: the listeners' onEpoch. */
        void endEpoch() {
            trainer.notifyListeners(l -> l.onEpoch(trainer));
        }

        @Override
        public void close() {
            trainer.close();
            data.close();
        }
    }

    /**
     * Trains with SGD (momentum 0.9, lr 0.1) through EasyTrain.trainBatch, so listeners see the real calls;
     * masks (if any) held by MaskedOptimizer.
     */
    static void train(Model model, Loss loss, PruningMasks masks, int steps, List<TrainingListener> listeners) {
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).optMomentum(0.9f).build())
                .addTrainingListeners(listeners.toArray(TrainingListener[]::new));
        MaskedOptimizer masked = masks == null ? null : MaskedOptimizer.install(config, model.getBlock(), masks);
        try (Trainer trainer = model.newTrainer(config); NDManager data = NDManager.newBaseManager()) {
            trainer.initialize(IN);
            for (int step = 0; step < steps; step++) {
                NDManager bm = data.newSubManager();
                NDArray x = bm.randomNormal(IN);
                NDArray y = bm.randomInteger(0, 4, new Shape(IN.get(0)), DataType.FLOAT32);
                try (Batch batch = new Batch(bm, new NDList(x), new NDList(y), (int) IN.get(0), Batchifier.STACK,
                        Batchifier.STACK, step, steps)) {
                    EasyTrain.trainBatch(trainer, batch);
                    trainer.step();
                }
                bm.close();
            }
        } finally {
            if (masked != null) {
                masked.close();
            }
        }
    }
}
