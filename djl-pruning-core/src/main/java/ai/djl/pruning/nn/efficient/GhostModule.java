package ai.djl.pruning.nn.efficient;

import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import com.google.common.base.Preconditions;
import java.util.List;

/**
 * GhostNet's ghost module (Han et al. 2020) with ratio s: a primary k×k conv c_in→C/s + BN (+ ReLU),
 * and a cheap d×d depthwise operation producing (s−1) "ghost" maps from each primary map + BN (+ ReLU);
 * the output concatenates the primary maps and the ghosts. C must be a multiple of s, so the reference
 * code's trim to C ({@code out[:, :C]}) is a no-op and not built. Children: {@code primary} ({@code conv,
 * bn, relu}) and {@code ghost}, a DJL {@link ParallelBlock} with the {@link KnownOps.Join#CONCAT} join of
 * the identity and {@code cheap} ({@code conv, bn, relu}).
 *
 * <p>Cost per image at output H×W: conv MACs HW·k²·c_in·C/s + HW·d²·(s−1)·C/s, against HW·k²·c_in·C for
 * a plain conv: the ratio 1/s + d²(s−1)/(s·k²·c_in) ≈ 1/s. Conv weights k²·c_in·C/s + d²·(s−1)·C/s,
 * plus BatchNorm 2C.
 *
 * <pre>{@code
 * Block g = GhostModule.builder().setInChannels(16).setOutChannels(32).build(); // s = 2, k = 1, d = 3
 * }</pre>
 */
public final class GhostModule {

    private GhostModule() {}

    /** @return a builder (s = 2, primary 1×1, cheap 3×3, ReLU, stride 1) */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a ghost module. */
    public static final class Builder {
        private int in;
        private int out;
        private int ratio = 2;
        private int kernel = 1;
        private int cheapKernel = 3;
        private int stride = 1;
        private boolean relu = true;

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
         * @param channels C, a multiple of the ratio
         * @return this builder
         */
        public Builder setOutChannels(int channels) {
            this.out = channels;
            return this;
        }

        /**
         * @param ratio s: C/s primary maps, each with s−1 ghosts; default 2
         * @return this builder
         */
        public Builder optRatio(int ratio) {
            this.ratio = ratio;
            return this;
        }

        /**
         * @param kernel the primary conv's kernel k, odd; default 1
         * @return this builder
         */
        public Builder optKernel(int kernel) {
            this.kernel = kernel;
            return this;
        }

        /**
         * @param kernel the cheap depthwise kernel d, odd; default 3
         * @return this builder
         */
        public Builder optCheapKernel(int kernel) {
            this.cheapKernel = kernel;
            return this;
        }

        /**
         * @param stride the primary conv's stride; default 1
         * @return this builder
         */
        public Builder optStride(int stride) {
            this.stride = stride;
            return this;
        }

        /**
         * @param relu whether ReLU follows both BatchNorms; default true
         * @return this builder
         */
        public Builder optRelu(boolean relu) {
            this.relu = relu;
            return this;
        }

        /** @return the block */
        public Block build() {
            Preconditions.checkArgument(in > 0 && out > 0, "set the input and output channels (got %s, %s)", in, out);
            Preconditions.checkArgument(ratio >= 2, "ghost ratio s must be >= 2, got %s", ratio);
            Preconditions.checkArgument(out % ratio == 0, "output channels %s must be a multiple of the ratio %s",
                    out, ratio);
            Preconditions.checkArgument(kernel % 2 == 1 && cheapKernel % 2 == 1, "kernels must be odd, got %s and %s",
                    kernel, cheapKernel);
            int primaryMaps = out / ratio;
            NamedSequentialBlock primary = new NamedSequentialBlock()
                    .add("conv", ConvUnits.conv(kernel, primaryMaps, stride, 1, false))
                    .add("bn", ConvUnits.batchNorm());
            NamedSequentialBlock cheap = new NamedSequentialBlock()
                    .add("conv", ConvUnits.conv(cheapKernel, primaryMaps * (ratio - 1), 1, primaryMaps, false))
                    .add("bn", ConvUnits.batchNorm());
            if (relu) {
                primary.add("relu", new Relu());
                cheap.add("relu", new Relu());
            }
            return new NamedSequentialBlock()
                    .add("primary", primary)
                    .add("ghost", new ParallelBlock(KnownOps.Join.CONCAT.function(),
                            List.of(Blocks.identityBlock(), cheap)));
        }
    }
}
