package ai.djl.pruning.training;

import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import com.google.common.base.Preconditions;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Takes a {@link WeightSnapshot} after exactly k optimizer steps of a training run: θ_k, the rewind point
 * of late rewinding (Frankle et al. 2019, "Stabilizing the Lottery Ticket Hypothesis"). k = 0 gives θ₀.
 *
 * <p>DJL calls {@code onTrainingBatch} after a batch's backward pass and before its {@code
 * trainer.step()}, so the call that sees k earlier calls sees the weights after k updates.
 */
public final class RewindCapture extends TrainingListenerAdapter {

    private final Block block;
    private final long step;
    private final Consumer<WeightSnapshot> onCapture;
    private long seen;
    private WeightSnapshot snapshot;

    /**
     * Captures θ_k of a block.
     *
     * @param block the trained block
     * @param step k, the number of updates before the snapshot, at least 0
     * @param onCapture called once with the snapshot (for example to save it), may be null
     */
    public RewindCapture(Block block, long step, Consumer<WeightSnapshot> onCapture) {
        Preconditions.checkArgument(step >= 0, "rewind step must be >= 0, got %s", step);
        this.block = Preconditions.checkNotNull(block, "block");
        this.step = step;
        this.onCapture = onCapture;
    }

    @Override
    public void onTrainingBegin(Trainer trainer) {
        if (step == 0 && snapshot == null) {
            capture();
        }
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        if (seen++ == step && snapshot == null) {
            capture();
        }
    }

    private void capture() {
        snapshot = WeightSnapshot.of(block);
        if (onCapture != null) {
            onCapture.accept(snapshot);
        }
    }

    /** @return θ_k, once k steps were trained */
    public Optional<WeightSnapshot> snapshot() {
        return Optional.ofNullable(snapshot);
    }

    /** @return k */
    public long step() {
        return step;
    }
}
