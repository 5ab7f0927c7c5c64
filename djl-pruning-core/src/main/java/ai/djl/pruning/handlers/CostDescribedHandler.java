package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.CostDescribed;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;

/** Any block implementing {@link CostDescribed}: it states its own cost; its children are not visited. */
public final class CostDescribedHandler implements CostHandler<Block> {

    @Override
    public Class<Block> blockType() {
        return Block.class; // served through the interface test below
    }

    @Override
    public boolean serves(Block block) {
        return block instanceof CostDescribed;
    }

    @Override
    public Shape[] profile(Block block, ProfileWalk walk) {
        return walk.leaf(block.getClass().getSimpleName(), ((CostDescribed) block).describeCost(walk.inputShapes(),
                walk.outputShapes(), walk.convention()));
    }
}
