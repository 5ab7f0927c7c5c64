package ai.djl.pruning.nn.efficient;

import ai.djl.nn.Block;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.ResidualBlock;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * MobileNetV2's inverted residual with linear bottleneck (Sandler et al. 2018), expansion t: 1×1 expand
 * c_in→t·c_in + BN + ReLU6 (left out when t = 1), depthwise 3×3 stride s + BN + ReLU6, optionally
 * squeeze-and-excitation (MobileNetV3's place), 1×1 project t·c_in→c_out + BN with no activation (the
 * linear bottleneck); the input is added when s = 1 and c_in = c_out. Children: {@code expand, bn1, act1,
 * dw, bn2, act2, [se,] project, bn3} in a {@link ResidualBlock} (no ReLU after the add) or, without the
 * shortcut, a {@link NamedSequentialBlock}.
 *
 * <p>Cost per image at input H×W (stride 1, c_in = c_out = c, kernel 3): conv MACs
 * 2t·HWc² + 9t·HWc; conv weights 2t·c² + 9t·c; with BatchNorm (γ, β) 2t·c + 2t·c + 2c more
 * parameters, or, built with {@code optBatchNorm(false)}, conv biases t·c + t·c + c. For the
 * homework's t = 4 example the latter gives MACs 8HWc² + 36HWc and parameters 8c² + 45c.
 *
 * <pre>{@code
 * Block b = InvertedResidual.builder().setInChannels(24).setOutChannels(24).optExpansion(6).build();
 * }</pre>
 */
public final class InvertedResidual {

    private InvertedResidual() {}

    /** @return a builder (t = 6, stride 1, ReLU6, BatchNorm, no squeeze-and-excitation) */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of an inverted residual. */
    public static final class Builder {
        private int in;
        private int out;
        private int expansion = 6;
        private int stride = 1;
        private int kernel = 3;
        private int seReduction;
        private boolean batchNorm = true;
        private Supplier<Block> activation = Activations::relu6;

        private Builder() {}

        /**
         * @param channels c_in
         * @return this builder
         */
        public Builder setInChannels(int channels) {
            this.in = channels;
            return this;
        }

        /**
         * @param channels c_out
         * @return this builder
         */
        public Builder setOutChannels(int channels) {
            this.out = channels;
            return this;
        }

        /**
         * @param t the expansion factor (hidden width t·c_in); default 6
         * @return this builder
         */
        public Builder optExpansion(int t) {
            this.expansion = t;
            return this;
        }

        /**
         * @param stride the depthwise conv's stride; default 1
         * @return this builder
         */
        public Builder optStride(int stride) {
            this.stride = stride;
            return this;
        }

        /**
         * @param kernel the depthwise kernel, odd; default 3
         * @return this builder
         */
        public Builder optKernel(int kernel) {
            this.kernel = kernel;
            return this;
        }

        /**
         * Adds squeeze-and-excitation (h-sigmoid gate) on the expanded features, after the depthwise conv.
         *
         * @param reduction r, or 0 for none (the default)
         * @return this builder
         */
        public Builder optSqueezeExcitation(int reduction) {
            this.seReduction = reduction;
            return this;
        }

        /**
         * @param activation a factory of the activation after expand and depthwise; default ReLU6 (h-swish
         *     for MobileNetV3: {@code Activations::hardSwish})
         * @return this builder
         */
        public Builder optActivation(Supplier<Block> activation) {
            this.activation = Preconditions.checkNotNull(activation, "activation");
            return this;
        }

        /**
         * Sets whether a BatchNorm follows each conv; default true. Without BatchNorm the convs carry biases.
         *
         * @param batchNorm false for conv (with bias) + activation only
         * @return this builder
         */
        public Builder optBatchNorm(boolean batchNorm) {
            this.batchNorm = batchNorm;
            return this;
        }

        /** @return the block */
        public Block build() {
            Preconditions.checkArgument(in > 0 && out > 0, "set the input and output channels (got %s, %s)", in, out);
            Preconditions.checkArgument(expansion >= 1, "expansion must be >= 1, got %s", expansion);
            Preconditions.checkArgument(stride >= 1, "stride must be >= 1, got %s", stride);
            Preconditions.checkArgument(kernel > 0 && kernel % 2 == 1, "kernel must be odd, got %s", kernel);
            Preconditions.checkArgument(seReduction >= 0, "SE reduction must be >= 0, got %s", seReduction);
            int hidden = in * expansion;
            List<Pair<String, Block>> main = new ArrayList<>();
            if (expansion != 1) {
                main.add(new Pair<>("expand", ConvUnits.conv(1, hidden, 1, 1, !batchNorm)));
                if (batchNorm) {
                    main.add(new Pair<>("bn1", ConvUnits.batchNorm()));
                }
                main.add(new Pair<>("act1", activation.get()));
            }
            main.add(new Pair<>("dw", ConvUnits.conv(kernel, hidden, stride, hidden, !batchNorm)));
            if (batchNorm) {
                main.add(new Pair<>("bn2", ConvUnits.batchNorm()));
            }
            main.add(new Pair<>("act2", activation.get()));
            if (seReduction > 0) {
                main.add(new Pair<>("se", SqueezeExcitation.builder().setChannels(hidden).optReduction(seReduction)
                        .build()));
            }
            main.add(new Pair<>("project", ConvUnits.conv(1, out, 1, 1, !batchNorm)));
            if (batchNorm) {
                main.add(new Pair<>("bn3", ConvUnits.batchNorm()));
            }
            if (stride == 1 && in == out) {
                ResidualBlock.Builder b = ResidualBlock.builder().optReluAfterAdd(false);
                main.forEach(p -> b.add(p.getKey(), p.getValue()));
                return b.build();
            }
            NamedSequentialBlock b = new NamedSequentialBlock();
            main.forEach(p -> b.add(p.getKey(), p.getValue()));
            return b;
        }
    }
}
