package ai.djl.pruning.examples.train;

import ai.djl.pruning.analysis.AccuracyResult;

/**
 * One epoch of a training run.
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean training loss (cross-entropy unless the run sets another) over the epoch's batches
 * @param trainAccuracy training top-1 accuracy in percent (augmented images, training mode)
 * @param testAccuracy test top-1 accuracy in percent after the epoch
 * @param testCorrect correct test predictions
 * @param testTotal test images
 * @param learningRate learning rate at the epoch's last step
 * @param seconds wall time of the epoch (training and test)
 * @param trainImagesPerSecond training throughput
 */
public record EpochRecord(
        int epoch,
        double trainLoss,
        double trainAccuracy,
        double testAccuracy,
        long testCorrect,
        long testTotal,
        double learningRate,
        double seconds,
        double trainImagesPerSecond) {

    /** @return the test accuracy after this epoch as counts */
    public AccuracyResult testResult() {
        return new AccuracyResult(testCorrect, testTotal);
    }

    /** @return a log line */
    public String line() {
        return String.format(
                "epoch %3d  train loss %.4f  train acc %6.2f%%  test acc %6.2f%% (%d/%d)  lr %.5f  %.0f s  %.0f img/s",
                epoch, trainLoss, trainAccuracy, testAccuracy, testCorrect, testTotal, learningRate, seconds,
                trainImagesPerSecond);
    }
}
