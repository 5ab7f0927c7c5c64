package ai.djl.pruning.structured;

import ai.djl.nn.Block;
import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * Ranks the channels of a {@link ChannelGroup}: higher scores are kept. Most criteria score single layers
 * ({@link LayerImportance}) and a {@link GroupImportance} combines the layers of a group (sum by default;
 * mean or max, with optional normalisation). Data-driven criteria gather their statistics in {@link
 * #prepare}, called by the pruner once per plan.
 *
 * <pre>{@code
 * Importance l1 = Importance.l1();
 * Importance apoz = Importance.apoz(new CalibrationData(trainSet, 8));
 * Importance taylorMean = Importance.taylor(new CalibrationData(trainSet, 8)).withReduction(GroupReduction.MEAN);
 * }</pre>
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

    /**
     * Gathers what the criterion needs from the block before any {@link #score} (by default nothing).
     *
     * @param block the block being planned
     * @param graph its dependency graph
     */
    default void prepare(Block block, DependencyGraph graph) {}

    /** @return L1 norm of each output filter (conv, depthwise conv, linear rows), summed over the group */
    static GroupImportance l1() {
        return GroupImportance.of(new MagnitudeImportance(1));
    }

    /** @return L2 (Frobenius) norm of each output filter, summed over the group */
    static GroupImportance l2() {
        return GroupImportance.of(new MagnitudeImportance(2));
    }

    /** @return MIT Lab 1's next-layer input-channel L2 norm, summed over the group */
    static GroupImportance nextLayerInputNorm() {
        return GroupImportance.of(new NextLayerInputImportance());
    }

    /** @return BatchNorm |γ| (network slimming), summed over the group */
    static GroupImportance batchNormScale() {
        return GroupImportance.of(new BatchNormScaleImportance());
    }

    /** @return FPGM distance sums, summed over the group */
    static GroupImportance fpgm() {
        return GroupImportance.of(new FpgmImportance());
    }

    /**
     * @param normShare fraction of each layer's filters ranked first by smallest L2 norm (FPGM's two rates)
     * @return FPGM combined with the norm criterion, summed over the group
     */
    static GroupImportance fpgm(double normShare) {
        return GroupImportance.of(new FpgmImportance(normShare));
    }

    /**
     * @param data calibration batches
     * @return fraction of non-zero post-ReLU activations (1 − APoZ), summed over the group
     */
    static GroupImportance apoz(CalibrationData data) {
        return GroupImportance.of(new ApozImportance(data));
    }

    /**
     * @param data labelled calibration batches
     * @return first-order Taylor |Σ w·∂L/∂w|, summed over the group
     */
    static GroupImportance taylor(CalibrationData data) {
        return GroupImportance.of(new TaylorImportance(data));
    }

    /**
     * @param seed the seed
     * @return random scores, reproducible for a seed
     */
    static Importance random(long seed) {
        return new RandomImportance(seed);
    }

    /**
     * Looks up a criterion that needs no data by name.
     *
     * @param name one of {@link #names()} except apoz and taylor
     * @param seed seed for random
     * @return the criterion
     */
    static Importance of(String name, long seed) {
        return of(name, seed, null);
    }

    /**
     * Looks up a criterion by name.
     *
     * @param name one of {@link #names()}
     * @param seed seed for random
     * @param data calibration batches for apoz and taylor (may be null for the others)
     * @return the criterion
     * @throws IllegalArgumentException for an unknown name, or apoz/taylor without data
     */
    static Importance of(String name, long seed, CalibrationData data) {
        if ((name.equals("apoz") || name.equals("taylor")) && data == null) {
            throw new IllegalArgumentException("criterion '" + name + "' needs calibration data");
        }
        return switch (name) {
            case "l1" -> l1();
            case "l2" -> l2();
            case "fpgm" -> fpgm();
            case "bn-gamma" -> batchNormScale();
            case "next-input-l2" -> nextLayerInputNorm();
            case "apoz" -> apoz(data);
            case "taylor" -> taylor(data);
            case "random" -> random(seed);
            default -> throw new IllegalArgumentException("unknown importance '" + name + "'; use one of " + names());
        };
    }

    /** @return the criteria by name, for command lines */
    static List<String> names() {
        return ImmutableList.of("l1", "l2", "fpgm", "bn-gamma", "next-input-l2", "apoz", "taylor", "random");
    }
}
