package ai.djl.pruning.training;

import ai.djl.pruning.unstructured.PruningMasks;
import com.google.common.base.Preconditions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * How the surviving weights of a pruned network start its next training: the lottery ticket (rewind) and
 * its controls. For the masked tensors:
 *
 * <ul>
 *   <li>{@link #REWIND}: the values at the rewind point, θ₀ or θ_k (Frankle &amp; Carbin 2019);
 *   <li>{@link #RANDOM_REINIT}: a fresh random initialisation with the same mask (the "rethinking" control,
 *       Liu et al. 2019);
 *   <li>{@link #SIGN_ONLY}: |w| = α, the rewind point's signs (Zhou et al. 2019, "rewind only the signs");
 *   <li>{@link #RANDOM_SIGNS}: |w| = α, random signs (Zhou et al.'s constant-magnitude, random-sign control);
 *   <li>{@link #SHUFFLED}: the rewind point's kept values of each tensor, permuted among its kept
 *       positions (Zhou et al.'s "reshuffle");
 *   <li>{@link #SUPERMASK}: like {@link #REWIND}, but the network is evaluated without training (Zhou et
 *       al.'s supermask: the mask alone on the initial weights).
 * </ul>
 *
 * <p>α is one constant per tensor: the standard deviation of that tensor's values at the rewind point,
 * which at θ₀ estimates the initialiser's standard deviation (√(2/fan-in) for Kaiming-normal). Parameters
 * without a mask (BatchNorm, biases) take the rewind point's values, or the fresh ones for {@link
 * #RANDOM_REINIT}. Pruned positions are 0 in every mode.
 */
public enum TicketInit {
    REWIND("rewind"),
    RANDOM_REINIT("reinit"),
    SIGN_ONLY("sign"),
    RANDOM_SIGNS("random-sign"),
    SHUFFLED("shuffle"),
    SUPERMASK("supermask");

    private final String cliName;

    TicketInit(String cliName) {
        this.cliName = cliName;
    }

    /** @return the short name used on command lines and in tables */
    public String cliName() {
        return cliName;
    }

    /** @return false only for {@link #SUPERMASK}, which is evaluated without training */
    public boolean trains() {
        return this != SUPERMASK;
    }

    /**
     * Looks a mode up by its short name.
     *
     * @param name rewind, reinit, sign, random-sign, shuffle or supermask
     * @return the mode
     */
    public static TicketInit of(String name) {
        for (TicketInit t : values()) {
            if (t.cliName.equals(name.toLowerCase(Locale.ROOT)) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown ticket initialisation '" + name + "'; use one of "
                + List.of(values()).stream().map(TicketInit::cliName).toList());
    }

    /**
     * Computes the starting values of every parameter.
     *
     * @param masks the masks (their tensors get this mode's values; pruned positions 0)
     * @param rewindPoint θ₀ or θ_k of the network
     * @param fresh a fresh random initialisation of the same network (read by {@link #RANDOM_REINIT}
     *     only; may be null for the other modes)
     * @param seed seed of the random signs and permutations
     * @return the values, one tensor per parameter of the rewind point
     */
    public WeightSnapshot values(PruningMasks masks, WeightSnapshot rewindPoint, WeightSnapshot fresh, long seed) {
        Preconditions.checkNotNull(masks, "masks");
        Preconditions.checkNotNull(rewindPoint, "rewind point");
        Preconditions.checkArgument(this != RANDOM_REINIT || fresh != null, "%s needs a fresh initialisation", this);
        WeightSnapshot source = this == RANDOM_REINIT ? fresh : rewindPoint;
        masks.masks().forEach((path, m) -> {
            WeightSnapshot.Tensor t = source.tensors().get(path);
            Preconditions.checkArgument(t != null, "no values for masked parameter '%s'", path);
            Preconditions.checkArgument(t.shape().equals(m.shape()), "mask of %s has shape %s, the values %s", path,
                    m.shape(), t.shape());
        });
        Random random = new Random(seed);
        Map<String, WeightSnapshot.Tensor> out = new LinkedHashMap<>();
        source.tensors().forEach((path, t) -> {
            PruningMasks.Mask m = masks.masks().get(path);
            float[] v = t.values().clone();
            if (m != null) {
                transform(v, m, random);
                for (int i = 0; i < v.length; i++) {
                    if (!m.kept().get(i)) {
                        v[i] = 0f;
                    }
                }
            }
            out.put(path, new WeightSnapshot.Tensor(t.shape(), v));
        });
        return WeightSnapshot.of(out);
    }

    private void transform(float[] v, PruningMasks.Mask m, Random random) {
        switch (this) {
            case SIGN_ONLY, RANDOM_SIGNS -> {
                float alpha = (float) std(v);
                for (int i = 0; i < v.length; i++) {
                    boolean negative = this == SIGN_ONLY ? v[i] < 0 : random.nextBoolean();
                    v[i] = negative ? -alpha : alpha;
                }
            }
            case SHUFFLED -> {
                int[] kept = m.kept().stream().toArray();
                float[] values = new float[kept.length];
                for (int i = 0; i < kept.length; i++) {
                    values[i] = v[kept[i]];
                }
                for (int i = values.length - 1; i > 0; i--) { // Fisher–Yates
                    int j = random.nextInt(i + 1);
                    float x = values[i];
                    values[i] = values[j];
                    values[j] = x;
                }
                for (int i = 0; i < kept.length; i++) {
                    v[kept[i]] = values[i];
                }
            }
            default -> { }
        }
    }

    /**
     * The population standard deviation of a tensor's values: α of the constant-magnitude modes.
     *
     * @param v the values
     * @return their standard deviation
     */
    public static double std(float[] v) {
        double mean = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= v.length;
        double s = 0;
        for (float x : v) {
            s += (x - mean) * (x - mean);
        }
        return Math.sqrt(s / v.length);
    }
}
