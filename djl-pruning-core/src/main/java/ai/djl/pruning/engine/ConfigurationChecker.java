package ai.djl.pruning.engine;

/** Runs {@link EngineCheck} under one {@link EngineConfiguration}: in practice in a fresh JVM. */
@FunctionalInterface
public interface ConfigurationChecker {

    /**
     * @param configuration the configuration to try
     * @return whether the engine computed correct numbers under it, and the table
     */
    CandidateResult check(EngineConfiguration configuration);

    /**
     * The self-check's outcome under one configuration.
     *
     * @param configuration the configuration tried
     * @param passed true when every check passed
     * @param summary one line, e.g. {@code 10 of 61 checks wrong, first: ...}
     * @param report the full table (or the error) as printed by the check
     */
    record CandidateResult(EngineConfiguration configuration, boolean passed, String summary, String report) {}
}
