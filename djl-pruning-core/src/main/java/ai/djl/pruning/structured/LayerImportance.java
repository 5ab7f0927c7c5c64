package ai.djl.pruning.structured;

import ai.djl.nn.Block;

/**
 * A criterion that scores the channels of one layer dimension; {@link GroupImportance} combines the
 * layers of a coupled group. Criteria that need data (activations, gradients) gather it in {@link
 * #prepare}, which the pruner calls once per plan before any score.
 */
@FunctionalInterface
public interface LayerImportance {

    /**
     * Scores one layer dimension: higher is more important.
     *
     * @param layer the layer dimension
     * @return one score per index of the dimension, or null if this criterion does not read this layer
     */
    double[] score(LayerChannels layer);

    /**
     * Gathers what the criterion needs from the block (by default nothing).
     *
     * @param block the block being planned
     * @param graph its dependency graph
     */
    default void prepare(Block block, DependencyGraph graph) {}
}
