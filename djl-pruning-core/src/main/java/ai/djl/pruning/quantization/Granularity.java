package ai.djl.pruning.quantization;

/** Whether a tensor shares one int8 scale or has one per output channel. */
public enum Granularity {
    /** One scale for the whole tensor: {@code s = max|W| / 127}. */
    PER_TENSOR,
    /** One scale per slice along axis 0 (output channel / feature): {@code s_o = max|W[o]| / 127}. */
    PER_CHANNEL
}
