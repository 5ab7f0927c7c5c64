package ai.djl.pruning.nn;

import ai.djl.nn.Block;

/**
 * What the toolkit knows about one layer type, in one place. A handler names the block type it serves
 * and implements the facets it can answer, one interface per capability: {@link SpecHandler} (save and
 * rebuild the architecture), {@code structured.ChannelHandler} (how channels flow through it and how it
 * narrows), {@code analysis.CostHandler} (parameters, MACs and memory traffic), {@code onnx.OnnxHandler}
 * (its ONNX form). A capability asks {@link BlockHandlers} for the facet it needs and refuses, naming the
 * block, when no registered handler has it.
 *
 * <p>Built-in handlers serve DJL's {@code SequentialBlock}, {@code ParallelBlock}, {@code LambdaBlock},
 * {@code Conv2d}, {@code BatchNorm}, {@code Linear}, {@code Dropout} and this project's {@code nn}
 * blocks. A user makes a layer of their own prunable, measurable and exportable with one class:
 *
 * <pre>{@code
 * public final class ScaleHandler implements SpecHandler<Scale>, ChannelHandler<Scale>, CostHandler<Scale> {
 *     public Class<Scale> blockType() { return Scale.class; }
 *     public JsonObject describe(Scale b) { JsonObject o = newSpec(); o.addProperty("units", b.units()); return o; }
 *     public Block build(JsonObject spec) { return new Scale(spec.get("units").getAsInt()); }
 *     public ChannelFlow channels(Scale b, ChannelWalk walk) {          // one γ per channel, like BatchNorm
 *         return walk.record(ChannelRole.BATCH_NORM, walk.materialise(walk.input()));
 *     }
 *     public void narrow(JsonObject spec, KeptChannels keep) { spec.addProperty("units", keep.out().length); }
 *     public Shape[] profile(Scale b, ProfileWalk walk) {
 *         long n = walk.outputShapes()[0].size();
 *         return walk.leaf("Scale", new LayerCost(walk.elementwise(n), 2 * n));
 *     }
 * }
 * BlockHandlers.register(new ScaleHandler());   // or list it in META-INF/services/ai.djl.pruning.nn.BlockHandler
 * }</pre>
 *
 * @param <B> the block type served
 */
public interface BlockHandler<B extends Block> {

    /**
     * The block type served: its instances, and instances of its subclasses that have no handler of their
     * own, come to this handler. An interface type serves every block implementing it.
     *
     * @return the type
     */
    Class<B> blockType();

    /**
     * Whether this handler serves a block of its type; for handlers that serve only some instances (a
     * DJL lambda of a known function, a parameter-free block). Default true.
     *
     * @param block an instance of {@link #blockType()}
     * @return whether to serve it
     */
    default boolean serves(B block) {
        return true;
    }
}
