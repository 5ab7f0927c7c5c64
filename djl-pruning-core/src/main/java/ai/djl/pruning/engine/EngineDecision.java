package ai.djl.pruning.engine;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The engine configuration chosen for a machine and why: the configurations tried in order with their
 * self-check summaries, the first that passed last.
 *
 * @param configuration the configuration to apply
 * @param tried each configuration tried and its outcome (without the full tables when read from the cache)
 * @param key the machine it was decided for
 * @param cached true when read from the cache rather than checked now
 */
public record EngineDecision(EngineConfiguration configuration, List<ConfigurationChecker.CandidateResult> tried,
        MachineKey key, boolean cached) {

    /** Copies the list. */
    public EngineDecision {
        tried = ImmutableList.copyOf(tried);
    }

    /**
     * @return one line for a launcher, e.g. {@code engine: sse41 (ONEDNN_MAX_CPU_ISA=SSE41, ...): default,
     *     avx2, avx computed wrong numbers (default: 10 of 61 checks wrong, ...); decided earlier for ...}
     */
    public String line() {
        List<ConfigurationChecker.CandidateResult> rejected = tried.stream().filter(r -> !r.passed()).toList();
        String why = rejected.isEmpty() ? "its self-check passed"
                : rejected.stream().map(r -> r.configuration().name()).collect(Collectors.joining(", "))
                        + " computed wrong numbers (" + rejected.get(0).configuration().name() + ": "
                        + rejected.get(0).summary() + ")";
        String scope = key.channelMultiple() > 1 ? " [only for widths that are multiples of "
                + key.channelMultiple() + "]" : "";
        return "engine: " + configuration + scope + ": " + why + (cached ? "; decided earlier" : "; checked now")
                + " for " + key.cpu() + ", libtorch " + key.libtorch();
    }
}
