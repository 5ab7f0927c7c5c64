package ai.djl.pruning.structured;

/** How a layer's parameters index a channel dimension. */
public enum ChannelRole {
    /** Output channels of a convolution: weight axis 0 and the bias. */
    CONV_OUT,
    /** Input channels of a convolution: weight axis 1. */
    CONV_IN,
    /**
     * Input channels of a grouped (not depthwise) convolution, removed a whole group at a time together
     * with that group's filters: the weight's axis 1 (channels per group) is unchanged, the group count drops.
     */
    GROUPED_CONV_IN,
    /** Input and output channels of a depthwise convolution together: weight axis 0 and the bias. */
    DEPTHWISE,
    /** Channels of a BatchNorm: γ, β, running mean and variance. */
    BATCH_NORM,
    /** Output neurons of a fully connected layer: weight axis 0 and the bias. */
    LINEAR_OUT,
    /** Input features of a fully connected layer: weight axis 1. */
    LINEAR_IN,
    /**
     * Output positions of a zero-padding shortcut, as channels of the residual add it feeds: the
     * pruner recounts the padding from the kept channels. No parameters.
     */
    SHORTCUT_PAD,
    /**
     * Output of a parameter-free non-linearity (a ReLU, or a residual add followed by one), indexed by
     * these channels (-1 for a zero channel): read by activation-based criteria such as APoZ; nothing to
     * slice.
     */
    ACTIVATION;

    /** @return whether the weight's rows are this dimension's filters (conv, depthwise conv, linear out) */
    public boolean hasFilters() {
        return this == CONV_OUT || this == DEPTHWISE || this == LINEAR_OUT;
    }

    /** @return whether the layer's parameters are indexed by this dimension on axis 0 (filters or BatchNorm) */
    public boolean isOutputSide() {
        return hasFilters() || this == BATCH_NORM;
    }

    /** @return whether pruning slices something along this dimension (activations and grouped inputs: no) */
    public boolean isSliced() {
        return this != ACTIVATION && this != GROUPED_CONV_IN;
    }
}
