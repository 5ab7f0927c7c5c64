package ai.djl.pruning.analysis;

import com.google.common.base.Preconditions;

/**
 * The cost of one block on its own (not its children): what a custom block returns from {@link
 * CostDescribed#describeCost}.
 *
 * @param macs multiply-accumulates for the whole input batch, dense
 * @param memoryAccesses element reads and writes, by the convention of {@link ModelProfile}
 */
public record LayerCost(long macs, long memoryAccesses) {

    /** Checks the counts. */
    public LayerCost {
        Preconditions.checkArgument(macs >= 0 && memoryAccesses >= 0, "costs must be >= 0");
    }
}
