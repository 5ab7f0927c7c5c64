package ai.djl.pruning.structured;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

/**
 * Batches that data-driven criteria (APoZ, Taylor) run through the model: the first {@code batches}
 * batches of a DJL dataset (use training data, not the test set you will report on).
 *
 * @param dataset the data, with labels for gradient-based criteria
 * @param batches how many batches to use, at least 1
 */
public record CalibrationData(Dataset dataset, int batches) {

    /** Checks the arguments. */
    public CalibrationData {
        Preconditions.checkNotNull(dataset, "calibration dataset");
        Preconditions.checkArgument(batches >= 1, "calibration needs at least one batch, got %s", batches);
    }

    /**
     * Hands each calibration batch to an action, closing it afterwards (with every array computed from it).
     *
     * @param manager the manager the batches are read into
     * @param action what to do with a batch
     * @return the number of batches used
     */
    int forEach(NDManager manager, Consumer<Batch> action) {
        int n = 0;
        try {
            for (Batch batch : dataset.getData(manager)) {
                try (batch) {
                    if (n < batches) {
                        action.accept(batch);
                    }
                }
                if (++n >= batches) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the calibration data", e);
        } catch (TranslateException e) {
            throw new IllegalStateException("cannot read the calibration data", e);
        }
        Preconditions.checkArgument(n > 0, "the calibration dataset is empty");
        Preconditions.checkArgument(n == batches, "calibration asks for %s batches, the dataset has only %s",
                batches, n);
        return n;
    }
}
