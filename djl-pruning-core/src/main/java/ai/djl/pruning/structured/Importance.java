package ai.djl.pruning.structured;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.common.collect.ImmutableList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Ranks the channels of a {@link ChannelGroup}: higher scores are kept. A group's score of a channel is
 * the sum of its scores in every layer of the group that the criterion reads.
 */
@FunctionalInterface
public interface Importance {

    /**
     * Scores the group's channels.
     *
     * @param group the group
     * @return one score per entry of {@code group.channels()}
     */
    double[] score(ChannelGroup group);

    /** @return L1 norm of each output filter (conv, depthwise conv, linear rows) */
    static Importance l1() {
        return group -> perFilter(group, (w, from, len) -> {
            double s = 0;
            for (int i = from; i < from + len; i++) {
                s += Math.abs(w[i]);
            }
            return s;
        });
    }

    /** @return L2 (Frobenius) norm of each output filter */
    static Importance l2() {
        return group -> perFilter(group, (w, from, len) -> {
            double s = 0;
            for (int i = from; i < from + len; i++) {
                s += (double) w[i] * w[i];
            }
            return Math.sqrt(s);
        });
    }

    /**
     * MIT Lab 1's variant: the L2 norm of the weights that <em>read</em> each channel (the next conv's
     * input-channel slice {@code W[:, i]}, or the next linear layer's column).
     *
     * @return the criterion
     */
    static Importance nextLayerInputNorm() {
        return group -> accumulate(group, (layer, scores) -> {
            if (layer.role() == ChannelRole.CONV_IN || layer.role() == ChannelRole.LINEAR_IN) {
                NDArray w = parameter(layer, Parameter.Type.WEIGHT);
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
                    scores.merge(layer.channels()[i], Math.sqrt(sq[i]), Double::sum);
                }
            }
        });
    }

    /**
     * Looks a criterion up by name.
     *
     * @param name l1, l2, fpgm, bn-gamma, next-input-l2 or random
     * @param seed seed for random
     * @return the criterion
     */
    static Importance of(String name, long seed) {
        return switch (name) {
            case "l1" -> l1();
            case "l2" -> l2();
            case "fpgm" -> fpgm();
            case "bn-gamma" -> batchNormScale();
            case "next-input-l2" -> nextLayerInputNorm();
            case "random" -> random(seed);
            default -> throw new IllegalArgumentException("unknown importance '" + name + "'; use one of " + names());
        };
    }

    /** @return |γ| of each channel's BatchNorm (network slimming) */
    static Importance batchNormScale() {
        return group -> accumulate(group, (layer, scores) -> {
            if (layer.role() == ChannelRole.BATCH_NORM) {
                float[] gamma = parameter(layer, Parameter.Type.GAMMA).toFloatArray();
                for (int i = 0; i < gamma.length; i++) {
                    scores.merge(layer.channels()[i], (double) Math.abs(gamma[i]), Double::sum);
                }
            }
        });
    }

    /**
     * FPGM (He et al. 2019): per layer, a filter's score is the sum of Euclidean distances to all other
     * filters of the layer; filters near the geometric median (small sums) are the most replaceable.
     *
     * @return the criterion
     */
    static Importance fpgm() {
        return group -> accumulate(group, (layer, scores) -> {
            if (!scoresFilters(layer.role())) {
                return;
            }
            float[] w = parameter(layer, Parameter.Type.WEIGHT).toFloatArray();
            int n = layer.width();
            int len = w.length / n;
            for (int i = 0; i < n; i++) {
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    double d = 0;
                    for (int k = 0; k < len; k++) {
                        double diff = w[i * len + k] - w[j * len + k];
                        d += diff * diff;
                    }
                    sum += Math.sqrt(d);
                }
                scores.merge(layer.channels()[i], sum, Double::sum);
            }
        });
    }

    /**
     * Random scores (a baseline), reproducible for a seed.
     *
     * @param seed the seed
     * @return the criterion
     */
    static Importance random(long seed) {
        return group -> {
            Random r = new Random(seed * 31 + group.id());
            double[] s = new double[group.channels().size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = r.nextDouble();
            }
            return s;
        };
    }

    /** Scores per output filter of conv, depthwise conv and linear layers. */
    private static double[] perFilter(ChannelGroup group, FilterScore f) {
        return accumulate(group, (layer, scores) -> {
            if (scoresFilters(layer.role())) {
                float[] w = parameter(layer, Parameter.Type.WEIGHT).toFloatArray();
                int n = layer.width();
                int len = w.length / n;
                for (int i = 0; i < n; i++) {
                    scores.merge(layer.channels()[i], f.score(w, i * len, len), Double::sum);
                }
            }
        });
    }

    private static boolean scoresFilters(ChannelRole role) {
        return role == ChannelRole.CONV_OUT || role == ChannelRole.DEPTHWISE || role == ChannelRole.LINEAR_OUT;
    }

    private static double[] accumulate(ChannelGroup group, LayerScorer scorer) {
        Map<Integer, Double> scores = new HashMap<>();
        for (LayerChannels l : group.layers()) {
            scorer.add(l, scores);
        }
        List<Integer> channels = group.channels();
        double[] out = new double[channels.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = scores.getOrDefault(channels.get(i), 0.0);
        }
        return out;
    }

    private static NDArray parameter(LayerChannels layer, Parameter.Type type) {
        for (Pair<String, Parameter> p : layer.block().getDirectParameters()) {
            if (p.getValue().getType() == type) {
                return p.getValue().getArray();
            }
        }
        throw new IllegalStateException(layer.path() + " has no " + type + " parameter");
    }

    /** Score of one filter stored at {@code w[from, from + len)}. */
    @FunctionalInterface
    interface FilterScore {
        double score(float[] w, int from, int len);
    }

    /** Adds one layer's channel scores. */
    @FunctionalInterface
    interface LayerScorer {
        void add(LayerChannels layer, Map<Integer, Double> scores);
    }

    /** @return the criteria by name, for command lines */
    static List<String> names() {
        return ImmutableList.of("l1", "l2", "fpgm", "bn-gamma", "next-input-l2", "random");
    }
}
