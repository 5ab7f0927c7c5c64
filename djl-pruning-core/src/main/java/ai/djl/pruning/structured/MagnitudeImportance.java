package ai.djl.pruning.structured;

import com.google.common.base.Preconditions;

/** The L1 or L2 (Frobenius) norm of each output filter of conv, depthwise conv and linear layers. */
public final class MagnitudeImportance implements LayerImportance {

    private final int p;

    /**
     * @param p 1 for the L1 norm, 2 for the L2 norm
     */
    public MagnitudeImportance(int p) {
        Preconditions.checkArgument(p == 1 || p == 2, "norm order must be 1 or 2, got %s", p);
        this.p = p;
    }

    @Override
    public double[] score(LayerChannels layer) {
        if (!layer.role().hasFilters()) {
            return null;
        }
        float[][] rows = LayerParameters.filters(layer);
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            double s = 0;
            for (float v : rows[i]) {
                s += p == 1 ? Math.abs(v) : (double) v * v;
            }
            out[i] = p == 1 ? s : Math.sqrt(s);
        }
        return out;
    }

    @Override
    public String toString() {
        return "l" + p;
    }
}
