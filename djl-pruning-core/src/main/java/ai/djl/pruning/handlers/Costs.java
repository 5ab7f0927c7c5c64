package ai.djl.pruning.handlers;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.LayerCost;
import ai.djl.pruning.analysis.ProfileWalk;

/** The three costs of parameter-light layers, by {@code ModelProfile}'s conventions. */
final class Costs {

    private Costs() {}

    /** One MAC per output element under torchprofile (a normalisation, an average); reads in, writes out. */
    static Shape[] perElement(Block block, ProfileWalk walk) {
        long out = walk.outputShapes()[0].size();
        return walk.leaf(block.getClass().getSimpleName(), new LayerCost(walk.elementwise(out),
                walk.inputShapes()[0].size() + out));
    }

    /** No MACs (a comparison, a copy); reads its input and writes its output once. */
    static Shape[] copy(Block block, ProfileWalk walk) {
        return walk.leaf(block.getClass().getSimpleName(), new LayerCost(0,
                walk.inputShapes()[0].size() + walk.outputShapes()[0].size()));
    }

    /** A view: nothing is read or written. */
    static Shape[] view(Block block, ProfileWalk walk) {
        return walk.leaf(block.getClass().getSimpleName(), new LayerCost(0, 0));
    }
}
