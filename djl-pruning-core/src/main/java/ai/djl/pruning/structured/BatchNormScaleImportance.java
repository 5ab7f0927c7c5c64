package ai.djl.pruning.structured;

import ai.djl.nn.Parameter;

/** |γ| of each channel's BatchNorm: the network-slimming criterion (Liu et al. 2017). */
public final class BatchNormScaleImportance implements LayerImportance {

    @Override
    public double[] score(LayerChannels layer) {
        if (layer.role() != ChannelRole.BATCH_NORM) {
            return null;
        }
        float[] gamma = LayerParameters.get(layer, Parameter.Type.GAMMA).toFloatArray();
        double[] out = new double[gamma.length];
        for (int i = 0; i < gamma.length; i++) {
            out[i] = Math.abs(gamma[i]);
        }
        return out;
    }

    @Override
    public String toString() {
        return "bn-gamma";
    }
}
