package ai.djl.pruning.analysis;

/**
 * Which operations count as multiply-accumulates.
 *
 * <ul>
 *   <li>{@link #CONV_LINEAR}: only convolutions and fully connected layers, {@code H·W·k²·C_in/g·C_out}
 *       and {@code in·out} per sample. This is the number usually quoted for CNNs (thop's conv/linear
 *       count; the MIT Lab 1 "conv+linear" figure).
 *   <li>{@link #TORCHPROFILE}: also one MAC per output element of BatchNorm, average pooling (including
 *       a global mean) and element-wise addition or multiplication, as {@code torchprofile} counts
 *       them; ReLU, max pooling and zero padding stay at zero (comparisons and copies).
 * </ul>
 */
public enum MacConvention {
    CONV_LINEAR,
    TORCHPROFILE
}
