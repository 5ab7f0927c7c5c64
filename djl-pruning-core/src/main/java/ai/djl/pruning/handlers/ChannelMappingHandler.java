package ai.djl.pruning.handlers;

import ai.djl.nn.Block;
import ai.djl.pruning.nn.ChannelMapping;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.pruning.structured.ChannelFlow;
import ai.djl.pruning.structured.ChannelHandler;
import ai.djl.pruning.structured.ChannelWalk;
import com.google.common.base.Preconditions;
import com.google.gson.JsonObject;
import java.util.Arrays;

/**
 * Any parameter-free block implementing {@link ChannelMapping}: it declares its own mapping and is
 * rebuilt from its class's public no-argument constructor (spec type {@code Custom}).
 */
public final class ChannelMappingHandler implements SpecHandler<Block>, ChannelHandler<Block> {

    @Override
    public Class<Block> blockType() {
        return Block.class; // served through the interface test below
    }

    @Override
    public boolean serves(Block block) {
        return block instanceof ChannelMapping;
    }

    @Override
    public String specType() {
        return "Custom";
    }

    @Override
    public JsonObject describe(Block block) {
        Preconditions.checkArgument(block.getParameters().isEmpty(), "cannot describe %s: a ChannelMapping block "
                + "with parameters needs a handler of its own", block.getClass().getSimpleName());
        JsonObject o = newSpec();
        o.addProperty("class", block.getClass().getName());
        return o;
    }

    @Override
    public Block build(JsonObject spec) {
        String name = spec.get("class").getAsString();
        try {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            Class<?> c = Class.forName(name, true, context != null ? context : getClass().getClassLoader());
            Preconditions.checkArgument(Block.class.isAssignableFrom(c) && ChannelMapping.class.isAssignableFrom(c),
                    "%s is not a ChannelMapping block", name);
            return (Block) c.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot create custom block " + name
                    + ": it needs a public no-argument constructor", e);
        }
    }

    @Override
    public ChannelFlow channels(Block block, ChannelWalk walk) {
        if (!block.getParameters().isEmpty()) {
            throw walk.opaque("a ChannelMapping block must be parameter-free");
        }
        int[] in = walk.input();
        int[] out = ((ChannelMapping) block).mapChannels(in.clone(), walk.inputShapes());
        Preconditions.checkState(out.length == walk.outputShapes()[0].get(1), "%s maps %s channels but outputs %s",
                walk.path(), out.length, walk.outputShapes()[0]);
        for (int c : out) {
            Preconditions.checkState(c == -1 || Arrays.stream(in).anyMatch(i -> i == c),
                    "%s maps to channel id %s that is not among its inputs", walk.path(), c);
        }
        return walk.pass(out);
    }
}
