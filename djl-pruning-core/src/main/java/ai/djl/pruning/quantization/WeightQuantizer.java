package ai.djl.pruning.quantization;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.unstructured.PrunableParameters;
import com.google.common.base.Preconditions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Post-training symmetric int8 quantization of conv/linear weights (every weight of rank > 1, as
 * {@link PrunableParameters}); biases and BatchNorm parameters stay float32. Composes with fine-grained
 * pruning (Deep Compression: prune → fine-tune → quantize): zeros stay zeros.
 *
 * <pre>{@code
 * QuantizedWeights q = WeightQuantizer.builder().optGranularity(Granularity.PER_CHANNEL).build().quantize(net);
 * Block runnable = q.dequantizedCopy(net, new Shape(1, 3, 32, 32), manager); // net unchanged
 * QuantizedParameterFile.save(net, q, Paths.get("model.q8"));
 * }</pre>
 */
public final class WeightQuantizer {

    private final Granularity granularity;
    private final String pattern;

    private WeightQuantizer(Builder b) {
        this.granularity = b.granularity;
        this.pattern = b.pattern;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Quantizes the selected weights of a block; the block is not changed.
     *
     * @param block an initialised block
     * @return the int8 weights
     */
    public QuantizedWeights quantize(Block block) {
        Map<String, Int8Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : PrunableParameters.select(block, pattern).entrySet()) {
            var a = e.getValue().getArray();
            out.put(e.getKey(), Int8Tensor.quantize(a.toFloatArray(), a.getShape(), granularity));
        }
        return new QuantizedWeights(out);
    }

    /** Options of a {@link WeightQuantizer}. */
    public static final class Builder {
        private Granularity granularity = Granularity.PER_CHANNEL;
        private String pattern;

        private Builder() {}

        /**
         * Sets the scale granularity; default per channel.
         *
         * @param granularity per tensor or per channel
         * @return this builder
         */
        public Builder optGranularity(Granularity granularity) {
            this.granularity = Preconditions.checkNotNull(granularity, "granularity");
            return this;
        }

        /**
         * Quantizes only weights whose DJL path or PyTorch-style name matches a regular expression.
         *
         * @param regex the pattern
         * @return this builder
         */
        public Builder optPattern(String regex) {
            this.pattern = regex;
            return this;
        }

        /** @return the quantizer */
        public WeightQuantizer build() {
            return new WeightQuantizer(this);
        }
    }
}
