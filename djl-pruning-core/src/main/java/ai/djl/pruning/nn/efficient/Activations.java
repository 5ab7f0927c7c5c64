package ai.djl.pruning.nn.efficient;

import ai.djl.pruning.nn.Elementwise;

/**
 * The activations of the mobile networks as {@link Elementwise} blocks (so the profiler, the pruner and
 * {@code BlockSpec} know them): ReLU6, MobileNetV3's hard swish and hard sigmoid.
 */
public final class Activations {

    private Activations() {}

    /** @return ReLU6 = min(max(x, 0), 6), a clip to [0, 6] */
    public static Elementwise relu6() {
        return Elementwise.clip(0f, 6f);
    }

    /** @return h-swish = x · ReLU6(x + 3) / 6 (MobileNetV3) */
    public static Elementwise hardSwish() {
        return Elementwise.of(Elementwise.Kind.HARD_SWISH);
    }

    /**
     * Returns MobileNetV3's h-sigmoid ReLU6(x + 3) / 6 = max(0, min(1, x/6 + 1/2)). Note: not ONNX's
     * HardSigmoid default (α = 0.2), which {@code Elementwise.of(HARD_SIGMOID)} gives.
     *
     * @return the block
     */
    public static Elementwise hardSigmoid() {
        return Elementwise.hardSigmoid(1f / 6f, 0.5f);
    }
}
