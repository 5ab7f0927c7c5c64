package ai.djl.pruning.structured;

import ai.djl.ndarray.types.Shape;

/**
 * Channel ids of a tensor flowing through a block tree (one per channel: a {@link DependencyGraph} id, or
 * -1 for a constant zero channel), with the shapes of the block's outputs.
 *
 * @param channels an id per channel of the (first) output
 * @param shapes the output shapes
 */
public record ChannelFlow(int[] channels, Shape[] shapes) {}
