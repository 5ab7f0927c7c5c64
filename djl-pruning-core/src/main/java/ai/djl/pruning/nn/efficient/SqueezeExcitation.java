package ai.djl.pruning.nn.efficient;

import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.core.Linear;
import ai.djl.pruning.nn.Elementwise;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.Unsqueeze2d;
import com.google.common.base.Preconditions;
import java.util.List;

/**
 * Squeeze-and-excitation (Hu et al. 2018) with reduction r: {@code y = x · gate(x)}, where the gate is
 * global average pool → fully connected C→C/r → ReLU → fully connected C/r→C → sigmoid (or MobileNetV3's
 * h-sigmoid) → (N, C, 1, 1). Built as a DJL {@link ParallelBlock} with the {@link KnownOps.Join#MUL}
 * join of the identity and the gate branch {@code pool, fc1, relu, fc2, gate, unsqueeze}; the multiply
 * broadcasts over H and W, and the dependency analysis couples gate channel c with input channel c.
 *
 * <p>Cost per image (fully connected layers with biases): parameters 2C²/r + C/r + C; MACs 2C²/r under
 * {@code CONV_LINEAR}, plus C (pool) + C·H·W (multiply) under {@code TORCHPROFILE}.
 *
 * <pre>{@code
 * Block se = SqueezeExcitation.builder().setChannels(64).optReduction(4).build();
 * }</pre>
 */
public final class SqueezeExcitation {

    private SqueezeExcitation() {}

    /** @return a builder (r = 4, h-sigmoid gate) */
    public static Builder builder() {
        return new Builder();
    }

    /** The gate's squashing function. */
    public enum Gate {
        /** 1 / (1 + e^−x), as in SENet. */
        SIGMOID,
        /** ReLU6(x + 3) / 6, as in MobileNetV3. */
        HARD_SIGMOID
    }

    /** Options of a squeeze-and-excitation block. */
    public static final class Builder {
        private int channels;
        private int reduction = 4;
        private Gate gate = Gate.HARD_SIGMOID;

        private Builder() {}

        /**
         * @param channels C, the input (and output) channels
         * @return this builder
         */
        public Builder setChannels(int channels) {
            this.channels = channels;
            return this;
        }

        /**
         * @param reduction r: the hidden layer has C/r units (at least 1); default 4
         * @return this builder
         */
        public Builder optReduction(int reduction) {
            this.reduction = reduction;
            return this;
        }

        /**
         * @param gate the squashing function; default h-sigmoid
         * @return this builder
         */
        public Builder optGate(Gate gate) {
            this.gate = Preconditions.checkNotNull(gate, "gate");
            return this;
        }

        /** @return the block: {@code ParallelBlock(MUL, [identity, gate branch])} */
        public Block build() {
            Preconditions.checkArgument(channels > 0, "set the channels (got %s)", channels);
            Preconditions.checkArgument(reduction >= 1, "reduction must be >= 1, got %s", reduction);
            int hidden = Math.max(1, channels / reduction);
            Elementwise squash = gate == Gate.SIGMOID ? Elementwise.of(Elementwise.Kind.SIGMOID)
                    : Activations.hardSigmoid();
            Block branch = new NamedSequentialBlock()
                    .add("pool", new GlobalAvgPool2d())
                    .add("fc1", Linear.builder().setUnits(hidden).build())
                    .add("relu", new Relu())
                    .add("fc2", Linear.builder().setUnits(channels).build())
                    .add("gate", squash)
                    .add("unsqueeze", new Unsqueeze2d());
            return new ParallelBlock(KnownOps.Join.MUL.function(), List.of(Blocks.identityBlock(), branch));
        }
    }
}
