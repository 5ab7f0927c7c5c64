package ai.djl.pruning.analysis;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.function.Function;

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
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore store = new ParameterStore(manager, false);
            return evaluate(dataset, manager, batch -> block.forward(store, batch.getData(), false).singletonOrThrow());
        }
    }

    /**
     * Evaluates a model of any engine (for example an ONNX file in ONNX Runtime) through its predictor;
     * each batch's images are copied into the predictor's engine.
     *
     * @param predictor a predictor from images (N, C, H, W) to logits (N, classes)
     * @param engineManager a manager of the predictor's engine (the model's)
     * @param dataset batches of (images, class indices)
     * @return correct and total counts
     * @throws IOException if the data cannot be read
     * @throws TranslateException if the data cannot be batched or predicted
     */
    public static AccuracyResult evaluate(Predictor<NDList, NDList> predictor, NDManager engineManager,
            Dataset dataset) throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            return evaluate(dataset, manager, batch -> {
                NDArray images = batch.getData().singletonOrThrow();
                try (NDManager scope = engineManager.newSubManager()) {
                    NDList out = predictor.predict(new NDList(scope.create(images.toFloatArray(), images.getShape())));
                    return manager.create(out.singletonOrThrow().toFloatArray(), out.singletonOrThrow().getShape());
                } catch (TranslateException e) {
                    throw new IllegalStateException("prediction failed", e);
                }
            });
        }
    }

    private static AccuracyResult evaluate(Dataset dataset, NDManager manager, Function<Batch, NDArray> logitsOf)
            throws IOException, TranslateException {
        long correct = 0;
        long total = 0;
        for (Batch batch : dataset.getData(manager)) {
            try (batch) {
                NDArray logits = logitsOf.apply(batch);
                NDArray predicted = logits.argMax(1);
                NDArray labels = batch.getLabels().singletonOrThrow().toType(DataType.INT64, false);
                correct += predicted.eq(labels).sum().getLong();
                total += batch.getSize();
                logits.close();
            }
        }
        if (total == 0) {
            throw new IllegalArgumentException("the dataset is empty: no image to evaluate");
        }
        return new AccuracyResult(correct, total);
    }
}
