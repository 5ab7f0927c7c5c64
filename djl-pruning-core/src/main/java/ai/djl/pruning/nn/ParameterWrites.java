package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.util.Pair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * Writes whole parameters read from a file, all or nothing: every name and shape is checked first, and
     * one exception lists every problem with no parameter changed.
     *
     * @param file the file the values came from, for the message
     * @param block the block to write into
     * @param shapes every parameter in the file with its shape
     * @param values the values to write, by parameter name (a subset of {@code shapes})
     * @throws CheckpointException if the file does not fit the block
     */
    public static void setAllChecked(Path file, Block block, Map<String, Shape> shapes, Map<String, float[]> values)
            throws CheckpointException {
        List<String> problems = new ArrayList<>();
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            params.put(p.getKey(), p.getValue());
            Shape expected = p.getValue().getArray().getShape();
            if (!shapes.containsKey(p.getKey())) {
                problems.add("missing parameter " + p.getKey());
            } else if (!shapes.get(p.getKey()).equals(expected)) {
                problems.add(String.format("shape mismatch for %s: file has %s, block expects %s", p.getKey(),
                        shapes.get(p.getKey()), expected));
            }
        }
        shapes.keySet().stream().filter(k -> !params.containsKey(k)).forEach(k -> problems.add("unexpected parameter " + k));
        if (!problems.isEmpty()) {
            throw new CheckpointException(file + " does not fit the block; no parameter was changed", problems);
        }
        values.forEach((name, v) -> {
            NDArray a = params.get(name).getArray();
            try (NDManager scope = a.getManager().newSubManager()) {
                set(a, new NDIndex("..."), scope.create(v, a.getShape()).toDevice(a.getDevice(), false));
            }
        });
    }
}
