package ai.djl.pruning.engine;

/**
 * Plain-Java float64 versions of the operations {@link EngineCheck} verifies. Deliberately naive loops:
 * they share no code, kernel or library with the engine, so an engine fault cannot hide in both.
 * Tensors are row-major arrays in NCHW order.
 */
final class ReferenceMath {

    private ReferenceMath() {}

    /** Forward output, input gradient and weight gradient of one layer (convolution or linear). */
    record LayerResult(double[] y, double[] dx, double[] dw) {}

    /**
     * Convolution with zero padding, square stride and groups; gradients for an upstream gradient {@code g}
     * shaped like the output (the loss is Σ y·g).
     */
    static LayerResult conv2d(double[] x, int n, int c, int h, int w, double[] wt, int o, int k, double[] b,
            int stride, int pad, int groups, double[] g) {
        int oh = (h + 2 * pad - k) / stride + 1;
        int ow = (w + 2 * pad - k) / stride + 1;
        int cg = c / groups;
        int og = o / groups;
        double[] y = new double[n * o * oh * ow];
        double[] dx = new double[x.length];
        double[] dw = new double[wt.length];
        for (int ni = 0; ni < n; ni++) {
            for (int oc = 0; oc < o; oc++) {
                int group = oc / og;
                int yBase = (ni * o + oc) * oh * ow;
                for (int i = 0; i < oh * ow; i++) {
                    y[yBase + i] = b == null ? 0 : b[oc];
                }
                for (int ci = 0; ci < cg; ci++) {
                    int ic = group * cg + ci;
                    int xBase = (ni * c + ic) * h * w;
                    for (int u = 0; u < k; u++) {
                        for (int v = 0; v < k; v++) {
                            int wIdx = ((oc * cg + ci) * k + u) * k + v;
                            double wv = wt[wIdx];
                            double dwSum = 0;
                            for (int i = 0; i < oh; i++) {
                                int xi = i * stride + u - pad;
                                if (xi < 0 || xi >= h) {
                                    continue;
                                }
                                for (int j = 0; j < ow; j++) {
                                    int xj = j * stride + v - pad;
                                    if (xj < 0 || xj >= w) {
                                        continue;
                                    }
                                    int xIdx = xBase + xi * w + xj;
                                    int yIdx = yBase + i * ow + j;
                                    y[yIdx] += x[xIdx] * wv;
                                    dx[xIdx] += g[yIdx] * wv;
                                    dwSum += g[yIdx] * x[xIdx];
                                }
                            }
                            dw[wIdx] += dwSum;
                        }
                    }
                }
            }
        }
        return new LayerResult(y, dx, dw);
    }

    /** y = x·wᵀ + b, and the gradients of Σ y·g with respect to x and w. */
    static LayerResult linear(double[] x, int n, int in, double[] wt, int out, double[] b, double[] g) {
        double[] y = new double[n * out];
        double[] dx = new double[n * in];
        double[] dw = new double[out * in];
        for (int r = 0; r < n; r++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                double go = g[r * out + o];
                for (int i = 0; i < in; i++) {
                    s += x[r * in + i] * wt[o * in + i];
                    dx[r * in + i] += go * wt[o * in + i];
                    dw[o * in + i] += go * x[r * in + i];
                }
                y[r * out + o] = s;
            }
        }
        return new LayerResult(y, dx, dw);
    }

    /**
     * Batch normalisation over axis 1. In training the batch's mean and biased variance are used, in
     * inference the given running statistics.
     */
    static double[] batchNorm(double[] x, int n, int c, int hw, double[] gamma, double[] beta, double[] runMean,
            double[] runVar, double eps, boolean training) {
        double[] y = new double[x.length];
        for (int ch = 0; ch < c; ch++) {
            double mean = runMean[ch];
            double var = runVar[ch];
            if (training) {
                double s = 0;
                for (int ni = 0; ni < n; ni++) {
                    for (int i = 0; i < hw; i++) {
                        s += x[(ni * c + ch) * hw + i];
                    }
                }
                mean = s / (n * hw);
                double q = 0;
                for (int ni = 0; ni < n; ni++) {
                    for (int i = 0; i < hw; i++) {
                        double d = x[(ni * c + ch) * hw + i] - mean;
                        q += d * d;
                    }
                }
                var = q / (n * hw);
            }
            double inv = 1 / Math.sqrt(var + eps);
            for (int ni = 0; ni < n; ni++) {
                for (int i = 0; i < hw; i++) {
                    int idx = (ni * c + ch) * hw + i;
                    y[idx] = gamma[ch] * (x[idx] - mean) * inv + beta[ch];
                }
            }
        }
        return y;
    }

    /** Max or average pooling (padding counted in the average, as PyTorch's default). */
    static double[] pool2d(double[] x, int n, int c, int h, int w, int k, int stride, int pad, boolean max) {
        int oh = (h + 2 * pad - k) / stride + 1;
        int ow = (w + 2 * pad - k) / stride + 1;
        double[] y = new double[n * c * oh * ow];
        for (int plane = 0; plane < n * c; plane++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    for (int u = 0; u < k; u++) {
                        for (int v = 0; v < k; v++) {
                            int xi = i * stride + u - pad;
                            int xj = j * stride + v - pad;
                            if (xi < 0 || xi >= h || xj < 0 || xj >= w) {
                                continue;
                            }
                            double val = x[plane * h * w + xi * w + xj];
                            acc = max ? Math.max(acc, val) : acc + val;
                        }
                    }
                    y[(plane * oh + i) * ow + j] = max ? acc : acc / (k * k);
                }
            }
        }
        return y;
    }

    /**
     * Two steps of SGD with momentum as PyTorch defines it (v ← μ·v + g, w ← w − η·v; v starts at the
     * first gradient).
     */
    static double[] sgdMomentumTwoSteps(double[] w, double[] g1, double[] g2, double lr, double momentum) {
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            double v = g1[i];
            double w1 = w[i] - lr * v;
            v = momentum * v + g2[i];
            out[i] = w1 - lr * v;
        }
        return out;
    }
}
