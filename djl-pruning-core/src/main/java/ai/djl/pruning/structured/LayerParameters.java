package ai.djl.pruning.structured;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

/** Parameter lookups shared by the criteria. */
final class LayerParameters {

    private LayerParameters() {}

    /** @return the layer's parameter of a type, or null if it has none */
    static Parameter find(LayerChannels layer, Parameter.Type type) {
        for (Pair<String, Parameter> p : layer.block().getDirectParameters()) {
            if (p.getValue().getType() == type) {
                return p.getValue();
            }
        }
        return null;
    }

    /** @return the layer's parameter array of a type */
    static NDArray get(LayerChannels layer, Parameter.Type type) {
        Parameter p = find(layer, type);
        if (p == null) {
            throw new IllegalStateException(layer.path() + " has no " + type + " parameter");
        }
        return p.getArray();
    }

    /** @return the weight as one row per index of the layer's output dimension */
    static float[][] filters(LayerChannels layer) {
        float[] w = get(layer, Parameter.Type.WEIGHT).toFloatArray();
        int n = layer.width();
        int len = w.length / n;
        float[][] rows = new float[n][len];
        for (int i = 0; i < n; i++) {
            System.arraycopy(w, i * len, rows[i], 0, len);
        }
        return rows;
    }
}
