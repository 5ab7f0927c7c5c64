package ai.djl.pruning.nn;

import ai.djl.ndarray.types.Shape;

/**
 * Implemented by a custom, parameter-free block to declare how it maps channels, so that channel pruning
 * can pass through it instead of refusing it as opaque.
 *
 * <p>The contract: output channel j is computed from input channel {@code mapChannels(...)[j]} alone (or is
 * a constant when the entry is -1), and the block works on any number of channels, so that removing an
 * input channel removes exactly the outputs mapped from it. The pruned model gets a new instance from the
 * block's public no-argument constructor (which also lets {@link BlockSpec} save and rebuild it); the
 * pruner's output check refuses a block that breaks the contract.
 *
 * <pre>{@code
 * public class Swish extends AbstractBlock implements ChannelMapping {
 *     public int[] mapChannels(int[] in, Shape[] inputShapes) { return in; }   // channel-wise
 *     ...
 * }
 * }</pre>
 */
public interface ChannelMapping {

    /**
     * Maps channel ids through the block.
     *
     * @param inputChannels an id per input channel
     * @param inputShapes the block's input shapes
     * @return an id per output channel: an input id, or -1 for a constant channel
     */
    int[] mapChannels(int[] inputChannels, Shape[] inputShapes);
}
