package ai.djl.pruning.analysis;

import com.google.common.base.Preconditions;
import java.util.Locale;

/**
 * Arithmetic operations of a layer by kind, for the whole input batch: what the efficient-CNN course
 * compares between a normal and an AdderNet convolution.
 *
 * <p>Convention (per output value of a layer whose window holds {@code n = k²·C_in/groups} inputs, or
 * {@code n = in} features for a fully connected layer):
 *
 * <ul>
 *   <li>convolution / fully connected: {@code n} multiplications and {@code n − 1} additions, plus one
 *       addition for the bias when the layer has one;
 *   <li>AdderNet convolution ({@code Y = −Σ|X − W|}): no multiplications, {@code n} subtractions,
 *       {@code n} absolute values and {@code n − 1} additions (the final negation is a sign flip
 *       folded into the following BatchNorm and not counted).
 * </ul>
 *
 * Only convolution, fully connected and AdderNet layers are counted this way; {@link LayerProfile}
 * leaves {@code operations} null for other layers (BatchNorm, pooling, activations), whose cost stays
 * in the MAC convention of {@link ModelProfile}. Sparsity is ignored: these are dense counts.
 *
 * @param multiplications multiplications
 * @param additions additions (accumulation and bias)
 * @param subtractions subtractions
 * @param absoluteValues absolute values
 */
public record OperationCounts(long multiplications, long additions, long subtractions, long absoluteValues) {

    /** No operation. */
    public static final OperationCounts ZERO = new OperationCounts(0, 0, 0, 0);

    /** Checks the counts. */
    public OperationCounts {
        Preconditions.checkArgument(multiplications >= 0 && additions >= 0 && subtractions >= 0 && absoluteValues >= 0,
                "operation counts must be >= 0, got %s, %s, %s, %s", multiplications, additions, subtractions,
                absoluteValues);
    }

    /**
     * Counts a convolution or fully connected layer.
     *
     * @param outputs output values (whole batch)
     * @param window inputs combined per output value ({@code k²·C_in/groups}, or {@code in})
     * @param bias whether a bias is added
     * @return {@code outputs·window} multiplications, {@code outputs·(window − 1)} additions (+ outputs
     *     with a bias)
     */
    public static OperationCounts multiplyAccumulate(long outputs, long window, boolean bias) {
        Preconditions.checkArgument(outputs >= 0 && window >= 1, "outputs %s, window %s", outputs, window);
        return new OperationCounts(outputs * window, outputs * (window - 1) + (bias ? outputs : 0), 0, 0);
    }

    /**
     * Counts an AdderNet layer.
     *
     * @param outputs output values (whole batch)
     * @param window inputs per output value ({@code k²·C_in})
     * @return no multiplications; {@code outputs·window} subtractions and absolute values;
     *     {@code outputs·(window − 1)} additions
     */
    public static OperationCounts adder(long outputs, long window) {
        Preconditions.checkArgument(outputs >= 0 && window >= 1, "outputs %s, window %s", outputs, window);
        return new OperationCounts(0, outputs * (window - 1), outputs * window, outputs * window);
    }

    /**
     * Adds two counts.
     *
     * @param other another count
     * @return the sum
     */
    public OperationCounts plus(OperationCounts other) {
        return new OperationCounts(multiplications + other.multiplications, additions + other.additions,
                subtractions + other.subtractions, absoluteValues + other.absoluteValues);
    }

    /** @return every operation, whatever its kind */
    public long total() {
        return multiplications + additions + subtractions + absoluteValues;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%,d mul, %,d add, %,d sub, %,d abs", multiplications, additions,
                subtractions, absoluteValues);
    }
}
