package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * In-place writes into parameter arrays that work on any thread. PyTorch refuses an in-place write to a
 * tensor that requires gradients while gradient recording is on, and recording is a per-thread switch
 * that DJL's engine turns off only on the thread that loaded it: on a worker thread (a server's pool, a
 * parallel sweep) a plain {@code weight.set(...)} fails. Writing through a detached view of the same
 * storage avoids that and records no history.
 */
public final class ParameterWrites {

    private ParameterWrites() {}

    /**
     * {@code target[index] = value} without autograd history.
     *
     * @param target a parameter array (or any array)
     * @param index where to write
     * @param value an array broadcastable to the indexed part
     */
    public static void set(NDArray target, NDIndex index, NDArray value) {
        try (NDArray view = target.stopGradient()) {
            view.set(index, value);
        }
    }

    /**
     * {@code target[index] = value} without autograd history.
     *
     * @param target a parameter array (or any array)
     * @param index where to write
     * @param value a scalar
     */
    public static void set(NDArray target, NDIndex index, Number value) {
        try (NDArray view = target.stopGradient()) {
            view.set(index, value);
        }
    }

    /**
     * {@code target = target · mask + 0.0} without autograd history: masked elements become +0.0 (never
     * -0.0), the others keep their exact value.
     *
     * @param target a parameter array
     * @param mask 0/1 of the same shape
     */
    public static void mask(NDArray target, NDArray mask) {
        try (NDArray view = target.stopGradient()) {
            view.muli(mask);
            view.addi(0f); // -0.0 + 0.0 = +0.0; every other value is unchanged
        }
    }
}
