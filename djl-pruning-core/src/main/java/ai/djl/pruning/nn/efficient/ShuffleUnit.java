package ai.djl.pruning.nn.efficient;

import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.pruning.nn.AvgPool2d;
import ai.djl.pruning.nn.ChannelShuffle;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.ResidualBlock;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import java.util.List;

/**
 * ShuffleNet's unit (Zhang et al. 2018) with g groups: 1×1 group conv c_in→m + BN + ReLU, {@link
 * ChannelShuffle}(g), depthwise 3×3 stride s + BN, 1×1 group conv m→c_out + BN; with s = 1 (c_in = c_out)
 * the input is added, then ReLU ({@link ResidualBlock}); with s = 2 the main branch makes c_out − c_in maps
 * and is concatenated after a 3×3 stride-2 average pool of the input, then ReLU (a DJL {@link
 * ParallelBlock} with the {@link KnownOps.Join#CONCAT} join). The bottleneck m defaults to c_out/4.
 * Children of the main branch: {@code gconv1, bn1, relu1, shuffle, dw, bn2, gconv2, bn3}.
 *
 * <p>Cost per image, stride 1, H×W, c_in = c_out = c: conv MACs HW·(2cm/g + 9m), conv weights 2cm/g + 9m,
 * BatchNorm 2(2m + c).
 *
 * <pre>{@code
 * Block unit = ShuffleUnit.builder().setInChannels(96).setOutChannels(96).optGroups(4).build();
 * }</pre>
 */
public final class ShuffleUnit {

    private ShuffleUnit() {}

    /** @return a builder (g = 4, stride 1, m = c_out/4) */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a ShuffleNet unit. */
    public static final class Builder {
        private int in;
        private int out;
        private int groups = 4;
        private int stride = 1;
        private int bottleneck;
        private boolean groupedFirst = true;

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
         * @param groups g, dividing c_in and the bottleneck; default 4
         * @return this builder
         */
        public Builder optGroups(int groups) {
            this.groups = groups;
            return this;
        }

        /**
         * @param stride 1 (residual add) or 2 (concatenation with an average pool); default 1
         * @return this builder
         */
        public Builder optStride(int stride) {
            this.stride = stride;
            return this;
        }

        /**
         * @param channels m, the bottleneck width; default c_out/4
         * @return this builder
         */
        public Builder optBottleneck(int channels) {
            this.bottleneck = channels;
            return this;
        }

        /**
         * Sets whether the first 1×1 conv is grouped; default true (ShuffleNet's first unit, on a narrow
         * stem, uses a plain one).
         *
         * @param grouped false for a plain first 1×1 conv
         * @return this builder
         */
        public Builder optGroupedFirstConv(boolean grouped) {
            this.groupedFirst = grouped;
            return this;
        }

        /** @return the block */
        public Block build() {
            Preconditions.checkArgument(in > 0 && out > 0, "set the input and output channels (got %s, %s)", in, out);
            Preconditions.checkArgument(stride == 1 || stride == 2, "stride must be 1 or 2, got %s", stride);
            Preconditions.checkArgument(stride == 2 || in == out, "a stride-1 unit needs c_in = c_out, got %s and %s",
                    in, out);
            Preconditions.checkArgument(stride == 1 || out > in, "a stride-2 unit needs c_out > c_in, got %s and %s",
                    in, out);
            int m = bottleneck > 0 ? bottleneck : out / 4;
            int mainOut = stride == 1 ? out : out - in;
            int firstGroups = groupedFirst ? groups : 1;
            Preconditions.checkArgument(in % firstGroups == 0 && m % groups == 0 && mainOut % groups == 0,
                    "groups %s must divide c_in %s (when the first conv is grouped), the bottleneck %s and the main "
                            + "branch's output %s", groups, in, m, mainOut);
            List<Pair<String, Block>> layers = List.of(
                    new Pair<>("gconv1", ConvUnits.conv(1, m, 1, firstGroups, false)),
                    new Pair<>("bn1", ConvUnits.batchNorm()),
                    new Pair<>("relu1", new Relu()),
                    new Pair<>("shuffle", new ChannelShuffle(groups)),
                    new Pair<>("dw", ConvUnits.conv(3, m, stride, m, false)),
                    new Pair<>("bn2", ConvUnits.batchNorm()),
                    new Pair<>("gconv2", ConvUnits.conv(1, mainOut, 1, groups, false)),
                    new Pair<>("bn3", ConvUnits.batchNorm()));
            if (stride == 1) {
                ResidualBlock.Builder b = ResidualBlock.builder().optReluAfterAdd(true);
                layers.forEach(p -> b.add(p.getKey(), p.getValue()));
                return b.build();
            }
            NamedSequentialBlock main = new NamedSequentialBlock();
            layers.forEach(p -> main.add(p.getKey(), p.getValue()));
            // PyTorch's AvgPool2d(3, 2, 1) counts the zero padding (count_include_pad = True).
            return new NamedSequentialBlock()
                    .add("unit", new ParallelBlock(KnownOps.Join.CONCAT.function(),
                            List.of(new AvgPool2d(3, 2, 1, true), main)))
                    .add("relu", new Relu());
        }
    }
}
