package ai.djl.pruning.structured;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/**
 * MIT Lab 1's criterion: the L2 norm of the weights that <em>read</em> each channel (the next conv's
 * input-channel slice {@code W[:, i]}, or the next linear layer's column).
 */
public final class NextLayerInputImportance implements LayerImportance {

    @Override
    public double[] score(LayerChannels layer) {
        if (layer.role() != ChannelRole.CONV_IN && layer.role() != ChannelRole.LINEAR_IN) {
            return null;
        }
        NDArray w = LayerParameters.get(layer, Parameter.Type.WEIGHT);
        long out = w.getShape().get(0);
        int in = layer.width();
        long inner = w.size() / (out * in);
        float[] v = w.toFloatArray();
        double[] sq = new double[in];
        for (long o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (long k = 0; k < inner; k++) {
                    double x = v[(int) ((o * in + i) * inner + k)];
                    sq[i] += x * x;
                }
            }
        }
        for (int i = 0; i < in; i++) {
            sq[i] = Math.sqrt(sq[i]);
        }
        return sq;
    }

    @Override
    public String toString() {
        return "next-input-l2";
    }
}
