package ai.djl.pruning.distillation;

import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;

/**
 * Heo et al. (2019) teacher margin: for a pre-ReLU feature whose BatchNorm gives it mean β and standard
 * deviation |γ| per channel, the expected value of its negative part under a Gaussian assumption,
 * {@code m = E[x | x < 0] = β − |γ|·φ(β/|γ|) / Φ(−β/|γ|)}; the teacher transform is {@code max(x, m)}.
 * Where the negative part has (almost) no mass, Φ(−β/|γ|) ≤ 0.001, the margin is −3|γ| as in the
 * authors' code.
 */
public final class BatchNormMargin {

    private BatchNormMargin() {}

    /**
     * Margins of every channel of a BatchNorm.
     *
     * @param bn an initialised BatchNorm
     * @return one margin per channel
     */
    public static float[] of(BatchNorm bn) {
        float[] gamma = null;
        float[] beta = null;
        for (Pair<String, Parameter> p : bn.getDirectParameters()) {
            if (p.getValue().getType() == Parameter.Type.GAMMA) {
                gamma = p.getValue().getArray().toFloatArray();
            } else if (p.getValue().getType() == Parameter.Type.BETA) {
                beta = p.getValue().getArray().toFloatArray();
            }
        }
        if (gamma == null || beta == null) {
            throw new IllegalArgumentException("the BatchNorm has no γ and β to derive margins from");
        }
        float[] m = new float[gamma.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) margin(beta[i], gamma[i]);
        }
        return m;
    }

    /**
     * The margin of one channel.
     *
     * @param beta BatchNorm β (the feature's mean)
     * @param gamma BatchNorm γ (± its standard deviation)
     * @return E[x | x < 0] for x ~ N(β, γ²)
     */
    public static double margin(double beta, double gamma) {
        double s = Math.abs(gamma);
        if (s == 0) {
            return Math.min(beta, 0);
        }
        double z = beta / s;
        double tail = normalCdf(-z);
        if (tail <= 0.001) {
            return -3 * s;
        }
        return beta - s * Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI) / tail;
    }

    /** Φ(x) via erfc, accurate to about 1e-7 (Numerical Recipes' Chebyshev fit of erfc). */
    static double normalCdf(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    private static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
