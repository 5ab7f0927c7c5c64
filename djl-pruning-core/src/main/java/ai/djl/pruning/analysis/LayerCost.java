package ai.djl.pruning.analysis;

import com.google.common.base.Preconditions;

/**
 * The cost of one block on its own (not its children): what a custom block returns from {@link
 * CostDescribed#describeCost}.
 *
 * @param macs multiply-accumulates for the whole input batch, dense
 * @param memoryAccesses element reads and writes, by the convention of {@link ModelProfile}
 * @param operations operations by kind (see {@link OperationCounts}), or null when the block does not
 *     count them
 */
public record LayerCost(long macs, long memoryAccesses, OperationCounts operations) {

    /** Checks the counts. */
    public LayerCost {
        Preconditions.checkArgument(macs >= 0 && memoryAccesses >= 0, "costs must be >= 0");
    }

    /**
     * A cost without operation kinds.
     *
     * @param macs multiply-accumulates for the whole input batch, dense
     * @param memoryAccesses element reads and writes
     */
    public LayerCost(long macs, long memoryAccesses) {
        this(macs, memoryAccesses, null);
    }
}
