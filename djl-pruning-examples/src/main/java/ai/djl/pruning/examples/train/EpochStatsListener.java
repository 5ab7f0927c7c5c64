package ai.djl.pruning.examples.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;

/** Sums training loss and correct predictions over an epoch from each batch's predictions. */
final class EpochStatsListener extends TrainingListenerAdapter {

    private double lossSum;
    private long batches;
    private long correct;
    private long images;

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        for (Device device : batchData.getPredictions().keySet()) {
            NDList labels = batchData.getLabels().get(device);
            NDList predictions = batchData.getPredictions().get(device);
            try (NDArray loss = trainer.getLoss().evaluate(labels, predictions);
                    // head(): a distillation block puts the student's logits first
                    NDArray predicted = predictions.head().argMax(1);
                    NDArray label = labels.singletonOrThrow().toType(DataType.INT64, false);
                    NDArray hits = predicted.eq(label);
                    NDArray count = hits.sum()) {
                lossSum += loss.getFloat();
                batches++;
                correct += count.getLong();
                images += label.size();
            }
        }
    }

    double meanLoss() {
        return batches == 0 ? Double.NaN : lossSum / batches;
    }

    double accuracy() {
        return images == 0 ? Double.NaN : 100.0 * correct / images;
    }

    long images() {
        return images;
    }

    void reset() {
        lossSum = 0;
        batches = 0;
        correct = 0;
        images = 0;
    }
}
