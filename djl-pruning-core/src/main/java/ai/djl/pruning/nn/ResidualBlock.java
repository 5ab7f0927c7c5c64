package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;

/**
 * A residual join with its structure in plain sight: {@code y = relu?(main(x) + shortcut(x))}.
 *
 * <p>The main branch is a sequence of named children; the shortcut is a further named child (or the
 * identity when absent). Names follow PyTorch's module names, so a ResNet basic block reads {@code
 * conv1, bn1, relu1, conv2, bn2, shortcut} and its parameters map onto {@code layer1.0.conv1.weight}.
 *
 * <pre>{@code
 * ResidualBlock block = ResidualBlock.builder()
 *         .add("conv1", conv3x3(16)).add("bn1", BatchNorm.builder().build()).add("relu1", new Relu())
 *         .add("conv2", conv3x3(16)).add("bn2", BatchNorm.builder().build())
 *         .optShortcut("shortcut", new ZeroPadShortcut(2, 8, 8))
 *         .optReluAfterAdd(true)
 *         .build();
 * }</pre>
 */
public class ResidualBlock extends AbstractBlock {

    private final ImmutableList<Block> main;
    private final Block shortcut;
    private final boolean reluAfterAdd;

    private ResidualBlock(Builder builder) {
        super((byte) 1);
        Preconditions.checkArgument(!builder.main.isEmpty(), "a residual block needs a main branch");
        ImmutableList.Builder<Block> mainBlocks = ImmutableList.builder();
        for (Pair<String, Block> p : builder.main) {
            mainBlocks.add(addChildBlock(p.getKey(), p.getValue()));
        }
        this.main = mainBlocks.build();
        this.shortcut = builder.shortcut == null
                ? null
                : addChildBlock(builder.shortcut.getKey(), builder.shortcut.getValue());
        this.reluAfterAdd = builder.reluAfterAdd;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the main branch's blocks in order */
    public List<Block> getMainBranch() {
        return main;
    }

    /** @return the shortcut block, or null for the identity */
    public Block getShortcut() {
        return shortcut;
    }

    /** @return whether a ReLU follows the addition */
    public boolean isReluAfterAdd() {
        return reluAfterAdd;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList x = inputs;
        for (Block b : main) {
            x = b.forward(store, x, training, params);
        }
        NDArray identity = shortcut == null
                ? inputs.singletonOrThrow()
                : shortcut.forward(store, inputs, training, params).singletonOrThrow();
        NDArray sum = x.singletonOrThrow().add(identity);
        return new NDList(reluAfterAdd ? Activation.relu(sum) : sum);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block b : main) {
            shapes = b.getOutputShapes(shapes);
        }
        return shapes;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block b : main) {
            b.initialize(manager, dataType, shapes);
            shapes = b.getOutputShapes(shapes);
        }
        Shape[] side = inputShapes;
        if (shortcut != null) {
            shortcut.initialize(manager, dataType, inputShapes);
            side = shortcut.getOutputShapes(inputShapes);
        }
        Preconditions.checkArgument(
                shapes[0].equals(side[0]),
                "residual branches disagree: main branch gives %s, shortcut gives %s",
                shapes[0],
                side[0]);
    }

    /** Collects the branches of a {@link ResidualBlock}. */
    public static final class Builder {
        private final List<Pair<String, Block>> main = new ArrayList<>();
        private Pair<String, Block> shortcut;
        private boolean reluAfterAdd = true;

        private Builder() {}

        /**
         * Appends a block to the main branch.
         *
         * @param name child name
         * @param block the block
         * @return this builder
         */
        public Builder add(String name, Block block) {
            main.add(new Pair<>(name, block));
            return this;
        }

        /**
         * Sets the shortcut; without one the shortcut is the identity.
         *
         * @param name child name
         * @param block the shortcut block
         * @return this builder
         */
        public Builder optShortcut(String name, Block block) {
            this.shortcut = new Pair<>(name, block);
            return this;
        }

        /**
         * Sets whether a ReLU follows the addition; default true.
         *
         * @param relu true for {@code relu(main + shortcut)}
         * @return this builder
         */
        public Builder optReluAfterAdd(boolean relu) {
            this.reluAfterAdd = relu;
            return this;
        }

        /** @return the block */
        public ResidualBlock build() {
            return new ResidualBlock(this);
        }
    }
}
