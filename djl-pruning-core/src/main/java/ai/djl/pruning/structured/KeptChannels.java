package ai.djl.pruning.structured;

/**
 * The indices a pruned block keeps, in order, along the dimensions it recorded.
 *
 * @param out indices kept along its output-side dimension (weight axis 0 and per-channel parameters), or
 *     null when it recorded none
 * @param outWidth that dimension's width before pruning (0 when {@code out} is null)
 * @param in indices kept along its input dimension (weight axis 1), or null
 */
public record KeptChannels(int[] out, int outWidth, int[] in) {}
