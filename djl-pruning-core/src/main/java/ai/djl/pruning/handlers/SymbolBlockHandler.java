package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SymbolBlock;
import ai.djl.pruning.analysis.CostHandler;
import ai.djl.pruning.analysis.ProfileWalk;

/**
 * A traced or scripted graph ({@link SymbolBlock}): its layers are not DJL blocks, so nothing can be costed.
 * Its listed parameters are the graph's parameters (buffers such as BatchNorm running statistics are not
 * listed), counted whether or not they are frozen.
 */
public final class SymbolBlockHandler implements CostHandler<SymbolBlock> {

    @Override
    public Class<SymbolBlock> blockType() {
        return SymbolBlock.class;
    }

    @Override
    public Shape[] profile(SymbolBlock block, ProfileWalk walk) {
        return walk.unknown(block.getClass().getSimpleName(), true);
    }
}
