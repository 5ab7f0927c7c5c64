package ai.djl.pruning.structured;

/**
 * FPGM (He et al. 2019): per layer, a filter's score is the sum of Euclidean distances to all other
 * filters of the layer; filters near the geometric median (small sums) are the most replaceable and go
 * first.
 */
public final class FpgmImportance implements LayerImportance {

    @Override
    public double[] score(LayerChannels layer) {
        if (!LayerParameters.ownsFilters(layer.role())) {
            return null;
        }
        float[][] rows = LayerParameters.filters(layer);
        int n = rows.length;
        double[][] dist = new double[n][n];
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double d = 0;
                for (int k = 0; k < rows[i].length; k++) {
                    double diff = rows[i][k] - rows[j][k];
                    d += diff * diff;
                }
                dist[i][j] = Math.sqrt(d);
                out[i] += dist[i][j];
                out[j] += dist[i][j];
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "fpgm";
    }
}
