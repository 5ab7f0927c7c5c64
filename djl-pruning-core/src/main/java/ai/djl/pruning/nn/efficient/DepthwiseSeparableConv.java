package ai.djl.pruning.nn.efficient;

import ai.djl.nn.Block;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import com.google.common.base.Preconditions;

/**
 * MobileNetV1's depthwise-separable convolution (Howard et al. 2017): a depthwise k×k conv (one filter
 * per input channel, stride s) + BN + ReLU, then a pointwise 1×1 conv M→N + BN + ReLU. Children: {@code
 * dw, bn1, act1, pw, bn2, act2}.
 *
 * <p>Cost (conv MACs per image, output D_F×D_F): D_F²·D_k²·M + D_F²·M·N against D_F²·D_k²·M·N for a
 * standard conv, the ratio 1/N + 1/D_k² (exact under {@code MacConvention.CONV_LINEAR}).
 *
 * <pre>{@code
 * Block b = DepthwiseSeparableConv.builder().setInChannels(32).setOutChannels(64).optStride(2).build();
 * }</pre>
 */
public final class DepthwiseSeparableConv {

    private DepthwiseSeparableConv() {}

    /** @return a builder (3×3, stride 1, ReLU, BatchNorm, no conv bias) */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a depthwise-separable convolution. */
    public static final class Builder {
        private int in;
        private int out;
        private int kernel = 3;
        private int stride = 1;
        private boolean batchNorm = true;

        private Builder() {}

        /**
         * @param channels M, the input channels (the depthwise conv's groups)
         * @return this builder
         */
        public Builder setInChannels(int channels) {
            this.in = channels;
            return this;
        }

        /**
         * @param channels N, the pointwise conv's filters
         * @return this builder
         */
        public Builder setOutChannels(int channels) {
            this.out = channels;
            return this;
        }

        /**
         * @param kernel D_k, odd; default 3
         * @return this builder
         */
        public Builder optKernel(int kernel) {
            this.kernel = kernel;
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
         * Sets whether a BatchNorm follows each conv; default true. Without BatchNorm the convs carry biases.
         *
         * @param batchNorm false for conv (with bias) + ReLU only
         * @return this builder
         */
        public Builder optBatchNorm(boolean batchNorm) {
            this.batchNorm = batchNorm;
            return this;
        }

        /** @return the block, a {@link NamedSequentialBlock} */
        public Block build() {
            Preconditions.checkArgument(in > 0 && out > 0, "set the input and output channels (got %s, %s)", in, out);
            Preconditions.checkArgument(kernel > 0 && kernel % 2 == 1, "kernel must be odd, got %s", kernel);
            Preconditions.checkArgument(stride >= 1, "stride must be >= 1, got %s", stride);
            NamedSequentialBlock b = new NamedSequentialBlock();
            b.add("dw", ConvUnits.conv(kernel, in, stride, in, !batchNorm));
            if (batchNorm) {
                b.add("bn1", ConvUnits.batchNorm());
            }
            b.add("act1", new Relu());
            b.add("pw", ConvUnits.conv(1, out, 1, 1, !batchNorm));
            if (batchNorm) {
                b.add("bn2", ConvUnits.batchNorm());
            }
            b.add("act2", new Relu());
            return b;
        }
    }
}
