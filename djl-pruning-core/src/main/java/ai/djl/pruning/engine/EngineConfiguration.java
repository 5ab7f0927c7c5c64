package ai.djl.pruning.engine;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A way to run the engine that must be chosen before the JVM starts: environment variables read by
 * libtorch's oneDNN ({@code ONEDNN_MAX_CPU_ISA}) or by {@link EngineSwitches} ({@value
 * EngineSwitches#ONEDNN_SWITCH}).
 *
 * @param name a short name, e.g. {@code sse41}
 * @param environment the variables to set; every configuration sets the same keys
 */
public record EngineConfiguration(String name, Map<String, String> environment) {

    /** oneDNN's instruction-set cap, read once when its first kernel is generated. */
    public static final String ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";

    /**
     * The launchers' width-aware mode: {@code DJL_PRUNING_WIDTHS=16} chooses the fastest configuration that
     * is correct for models whose channel counts are multiples of 16 (unset: correct for every width).
     */
    public static final String WIDTHS_VARIABLE = "DJL_PRUNING_WIDTHS";

    /**
     * @param env an environment
     * @return the channel multiple {@value #WIDTHS_VARIABLE} asks for, 1 when unset
     * @throws IllegalArgumentException when it is not a positive integer
     */
    public static int channelMultiple(Map<String, String> env) {
        String value = env.get(WIDTHS_VARIABLE);
        if (value == null || value.isBlank()) {
            return 1;
        }
        try {
            int m = Integer.parseInt(value.strip());
            Preconditions.checkArgument(m >= 1, "%s must be a positive integer, got '%s'", WIDTHS_VARIABLE, value);
            return m;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(WIDTHS_VARIABLE + " must be a positive integer, got '" + value + "'", e);
        }
    }

    /** Copies the environment. */
    public EngineConfiguration {
        Preconditions.checkArgument(name != null && !name.isBlank(), "a configuration needs a name");
        environment = ImmutableMap.copyOf(environment);
    }

    /**
     * The configurations worth trying, fastest first. Measured on a 2-core AMD EPYC of family 26 (ResNet-56
     * b128 train/eval img/s): default 227/819–878, AVX2 154/546, SSE4.1 62.5/257, oneDNN off 16.6/37.5.
     *
     * @return default (no cap), AVX2, AVX, SSE4.1, oneDNN off
     */
    public static ImmutableList<EngineConfiguration> candidates() {
        return ImmutableList.of(oneDnnCap("default", "ALL"), oneDnnCap("avx2", "AVX2"), oneDnnCap("avx", "AVX"),
                oneDnnCap("sse41", "SSE41"),
                new EngineConfiguration("onednn-off",
                        ImmutableMap.of(ISA_VARIABLE, "SSE41", EngineSwitches.ONEDNN_SWITCH, "off")));
    }

    /**
     * @param name the configuration's name
     * @param isa a value of {@code ONEDNN_MAX_CPU_ISA} ({@code ALL}, {@code AVX2}, {@code SSE41}, ...)
     * @return oneDNN capped at that instruction set, oneDNN on
     */
    public static EngineConfiguration oneDnnCap(String name, String isa) {
        return new EngineConfiguration(name, ImmutableMap.of(ISA_VARIABLE, isa, EngineSwitches.ONEDNN_SWITCH, "on"));
    }

    /**
     * One line for result pages: the processor and the engine configuration this JVM runs under.
     *
     * @return e.g. {@code AMD EPYC, family 26, model 2, stepping 1; ONEDNN_MAX_CPU_ISA=SSE41,
     *     DJL_PRUNING_ONEDNN=on}
     */
    public static String describeInForce() {
        String isa = System.getenv(ISA_VARIABLE);
        String onednn = System.getenv(EngineSwitches.ONEDNN_SWITCH);
        String widths = System.getenv(WIDTHS_VARIABLE);
        return MachineKey.ofThisMachine().cpu() + "; " + (widths == null ? "" : WIDTHS_VARIABLE + "=" + widths + ", ")
                + ISA_VARIABLE + "=" + (isa == null ? "(unset: all)" : isa)
                + ", " + EngineSwitches.ONEDNN_SWITCH + "=" + (onednn == null ? "(unset: on)" : onednn);
    }

    /** @return e.g. {@code sse41 (ONEDNN_MAX_CPU_ISA=SSE41, DJL_PRUNING_ONEDNN=on)} */
    @Override
    public String toString() {
        // The oneDNN cap first, whatever order the map came in (a cached decision's is alphabetical).
        return name + " (" + environment.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, String> e) -> !e.getKey().equals(ISA_VARIABLE))
                        .thenComparing(Map.Entry::getKey))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")) + ")";
    }
}
