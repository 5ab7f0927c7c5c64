package ai.djl.pruning.analysis;

import ai.djl.ndarray.types.Shape;

/**
 * One row of a {@link ModelProfile}.
 *
 * @param path the block's DJL path (the prefix of its parameters' names in {@code getParameters()})
 * @param type the block type (class name, or a description such as {@code residual add})
 * @param outputShape the block's output shape
 * @param params trainable parameter elements (as PyTorch's {@code parameters()})
 * @param nonzeroParams trainable parameter elements that are not zero
 * @param macs dense multiply-accumulates under the profile's convention
 * @param effectiveMacs MACs scaled by the density of the weight ({@code macs · nnz(W) / |W|})
 * @param memoryAccesses element reads and writes
 * @param known false if the profiler could not cost this block: its MACs, effective MACs and memory
 *     accesses are then unknown, held as 0 here and printed as {@code unknown}
 * @param operations operations by kind (convolution, fully connected and AdderNet layers; see {@link
 *     OperationCounts}), null for other layers
 */
public record LayerProfile(
        String path,
        String type,
        Shape outputShape,
        long params,
        long nonzeroParams,
        long macs,
        long effectiveMacs,
        long memoryAccesses,
        boolean known,
        OperationCounts operations) {

    /** @return the fraction of zero parameters, 0 for a layer without parameters */
    public double sparsity() {
        return params == 0 ? 0 : 1.0 - (double) nonzeroParams / params;
    }
}
