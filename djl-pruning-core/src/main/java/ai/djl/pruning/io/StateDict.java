package ai.djl.pruning.io;

import com.google.common.collect.ImmutableMap;
import java.util.Map;
import java.util.Set;

/**
 * An immutable, ordered map from PyTorch parameter names to tensors, as {@code module.state_dict()}
 * returns it.
 */
public final class StateDict {

    private final String source;
    private final ImmutableMap<String, TensorData> tensors;

    private StateDict(String source, ImmutableMap<String, TensorData> tensors) {
        this.source = source;
        this.tensors = tensors;
    }

    static StateDict of(String source, Map<?, ?> tensors) {
        return new StateDict(source, TorchCheckpoint.tensorsOf(tensors));
    }

    /**
     * Creates a state dict from tensors.
     *
     * @param source where the tensors come from, for messages
     * @param tensors name to tensor
     * @return the state dict
     */
    public static StateDict of(String source, ImmutableMap<String, TensorData> tensors) {
        return new StateDict(source, tensors);
    }

    /** @return where the tensors were read from, for messages */
    public String getSource() {
        return source;
    }

    /** @return the names in file order */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** @return name to tensor, in file order */
    public ImmutableMap<String, TensorData> tensors() {
        return tensors;
    }

    /**
     * Returns one tensor.
     *
     * @param name a PyTorch parameter name
     * @return the tensor, or null if absent
     */
    public TensorData get(String name) {
        return tensors.get(name);
    }

    /** @return the number of tensors */
    public int size() {
        return tensors.size();
    }

    /**
     * Returns a copy without a name prefix such as {@code module.} that {@code DataParallel} adds.
     *
     * @param prefix the prefix to strip where present
     * @return a state dict with the prefix removed
     */
    public StateDict stripPrefix(String prefix) {
        ImmutableMap.Builder<String, TensorData> b = ImmutableMap.builder();
        tensors.forEach((k, v) -> b.put(k.startsWith(prefix) ? k.substring(prefix.length()) : k, v));
        return new StateDict(source, b.buildOrThrow());
    }

    @Override
    public String toString() {
        return "StateDict(" + source + ", " + tensors.size() + " tensors)";
    }
}
