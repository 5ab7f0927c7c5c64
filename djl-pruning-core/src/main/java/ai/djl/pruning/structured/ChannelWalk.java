package ai.djl.pruning.structured;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/**
 * A {@link DependencyGraph} walk standing at one block: what a {@link ChannelHandler} reads (input ids and
 * shapes) and how it adds to the graph (new ids, unions of coupled ids, recorded dimensions).
 */
public interface ChannelWalk {

    /** @return the block's DJL path ("" for the root) */
    String path();

    /** @return the channel id of each input channel (-1: a constant zero channel) */
    int[] input();

    /** @return the block's input shapes */
    Shape[] inputShapes();

    /** @return the block's output shapes for these inputs */
    Shape[] outputShapes();

    /**
     * New channel ids, for channels the block produces (a conv's filters).
     *
     * @param count how many
     * @return the ids
     */
    int[] fresh(int count);

    /**
     * Couples two channels: pruning one removes the other (a residual add).
     *
     * @param a a channel id
     * @param b another
     */
    void union(int a, int b);

    /**
     * The ids with each constant channel (-1) given an id of its own, for a layer whose parameters index it.
     *
     * @param ids channel ids
     * @return ids without -1
     */
    int[] materialise(int[] ids);

    /**
     * Records that the block's parameters index a dimension by these channels.
     *
     * @param role how they index it
     * @param ids an id per index
     * @return the flow of these ids out of the block, for a block that passes them on ({@code return
     *     walk.record(ChannelRole.BATCH_NORM, ids)})
     */
    ChannelFlow record(ChannelRole role, int[] ids);

    /**
     * The flow out of a block that outputs these channel ids.
     *
     * @param ids an id per output channel
     * @return the flow, with the block's output shapes
     */
    default ChannelFlow pass(int[] ids) {
        return new ChannelFlow(ids, outputShapes());
    }

    /**
     * Walks a child block.
     *
     * @param key the child's DJL name (as in {@code getChildren()})
     * @param child the child
     * @param in the child's input flow
     * @return the child's output flow
     */
    ChannelFlow child(String key, Block child, ChannelFlow in);

    /**
     * Walks another block in this one's place: same path, same inputs (a DJL lambda probed to equal a
     * named block).
     *
     * @param same the block to walk instead
     * @return its output flow
     */
    ChannelFlow as(Block same);

    /**
     * The refusal of a block whose mapping is not known: channel pruning stops rather than guess.
     *
     * @param why the reason, named in the message
     * @return the exception to throw
     */
    IllegalArgumentException opaque(String why);
}
