package ai.djl.pruning.engine;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Chooses the fastest engine configuration whose {@link EngineCheck} passes on this machine, remembering
 * the decision per machine so that later starts cost nothing.
 *
 * <pre>{@code
 * EngineDecision d = EngineConfigurator.builder().build().decide();   // child JVMs, DJL cache
 * d.configuration().environment();   // what to export before starting the engine's JVM
 * }</pre>
 */
public final class EngineConfigurator {

    private final ImmutableList<EngineConfiguration> candidates;
    private final ConfigurationChecker checker;
    private final DecisionCache cache;
    private final MachineKey key;
    private final boolean recheck;

    private EngineConfigurator(Builder b) {
        this.candidates = b.candidates;
        this.checker = b.checker != null ? b.checker : ChildJvmChecker.ofThisClassPath(b.channelMultiple);
        this.cache = b.cache != null ? b.cache : DecisionCache.inDjlCache();
        this.key = (b.key != null ? b.key : MachineKey.ofThisMachine()).withChannelMultiple(b.channelMultiple);
        this.recheck = b.recheck;
    }

    /** @return a builder: {@link EngineConfiguration#candidates()}, child JVMs, DJL's cache, this machine */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the cached decision for this machine if its environment is one of the candidates', else the first
     *     candidate whose check passes (then cached)
     * @throws IllegalStateException when no candidate passes, naming each one's failure
     */
    public EngineDecision decide() {
        if (!recheck) {
            Optional<EngineDecision> known = cache.load(key);
            // Same environment, whatever its name: a user's own SSE41 cap is the cached sse41 decision.
            if (known.isPresent() && candidates.stream()
                    .anyMatch(c -> c.environment().equals(known.get().configuration().environment()))) {
                return known.get();
            }
        }
        List<ConfigurationChecker.CandidateResult> tried = new ArrayList<>();
        for (EngineConfiguration c : candidates) {
            ConfigurationChecker.CandidateResult r = checker.check(c);
            tried.add(r);
            if (r.passed()) {
                EngineDecision decision = new EngineDecision(c, tried, key, false);
                cache.store(decision);
                return decision;
            }
        }
        throw new IllegalStateException("no engine configuration computes correct numbers on " + key.cpu()
                + " with libtorch " + key.libtorch() + ": " + tried.stream()
                        .map(r -> r.configuration().name() + ": " + r.summary()).collect(Collectors.joining("; ")));
    }

    /** Options of the choice. */
    public static final class Builder {
        private ImmutableList<EngineConfiguration> candidates = EngineConfiguration.candidates();
        private ConfigurationChecker checker;
        private DecisionCache cache;
        private MachineKey key;
        private boolean recheck;
        private int channelMultiple = 1;

        private Builder() {}

        /**
         * Decide for models whose widths are multiples of {@code multiple} only (the width-aware
         * alternative to an instruction-set cap; see {@link EngineCheck.Builder#optChannelMultiple}).
         *
         * @param multiple the channel multiple, 1 for every width
         * @return this builder
         */
        public Builder optChannelMultiple(int multiple) {
            Preconditions.checkArgument(multiple >= 1, "channel multiple must be at least 1, got %s", multiple);
            this.channelMultiple = multiple;
            return this;
        }

        /**
         * @param candidates the configurations to try, fastest first
         * @return this builder
         */
        public Builder optCandidates(List<EngineConfiguration> candidates) {
            Preconditions.checkArgument(!candidates.isEmpty(), "at least one candidate configuration is needed");
            this.candidates = ImmutableList.copyOf(candidates);
            return this;
        }

        /**
         * @param checker runs the check under a configuration (default: a child JVM per configuration)
         * @return this builder
         */
        public Builder optChecker(ConfigurationChecker checker) {
            this.checker = checker;
            return this;
        }

        /**
         * @param cache where decisions are kept (default: DJL's cache folder)
         * @return this builder
         */
        public Builder optCache(DecisionCache cache) {
            this.cache = cache;
            return this;
        }

        /**
         * @param key the machine (default: this one)
         * @return this builder
         */
        public Builder optMachineKey(MachineKey key) {
            this.key = key;
            return this;
        }

        /**
         * @param recheck ignore a cached decision and check again
         * @return this builder
         */
        public Builder optRecheck(boolean recheck) {
            this.recheck = recheck;
            return this;
        }

        /** @return the configurator */
        public EngineConfigurator build() {
            return new EngineConfigurator(this);
        }
    }
}
