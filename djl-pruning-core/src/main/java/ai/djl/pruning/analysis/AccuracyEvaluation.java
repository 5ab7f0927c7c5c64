package ai.djl.pruning.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import java.io.IOException;

/**
 * Top-1 accuracy of a classifier block over a dataset, in inference mode (BatchNorm uses its running
 * statistics, no gradient is recorded). Every batch's arrays are closed with the batch.
 *
 * <pre>{@code
 * AccuracyResult r = AccuracyEvaluation.evaluate(model.getBlock(), testSet);
 * System.out.println(r); // 91.73% (9173/10000)
 * }</pre>
 */
public final class AccuracyEvaluation {

    private AccuracyEvaluation() {}

    /**
     * Evaluates the block on every batch of the dataset.
     *
     * @param block a classifier returning logits (N, classes)
     * @param dataset batches of (images, class indices)
     * @return correct and total counts
     * @throws IOException if the data cannot be read
     * @throws TranslateException if the data cannot be batched
     * @throws IllegalArgumentException if the dataset is empty
     */
    public static AccuracyResult evaluate(Block block, Dataset dataset) throws IOException, TranslateException {
        long correct = 0;
        long total = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore store = new ParameterStore(manager, false);
            for (Batch batch : dataset.getData(manager)) {
                try (batch) {
                    NDArray logits = block.forward(store, batch.getData(), false).singletonOrThrow();
                    NDArray predicted = logits.argMax(1);
                    NDArray labels = batch.getLabels().singletonOrThrow().toType(DataType.INT64, false);
                    correct += predicted.eq(labels).sum().getLong();
                    total += batch.getSize();
                }
            }
        }
        if (total == 0) {
            throw new IllegalArgumentException("the dataset is empty: no image to evaluate");
        }
        return new AccuracyResult(correct, total);
    }
}
