package ai.djl.pruning.engine;

import ai.djl.pruning.io.AtomicFiles;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/**
 * The launchers' first step (bin/djl-pruning, the Maven test build, the notebook runner): decide the
 * engine configuration for this machine ({@link EngineConfigurator}; cached after the first time) and
 * hand it to the JVM that will run the engine. Never starts the engine itself.
 *
 * <ul>
 *   <li>{@code --print-env}: {@code export NAME=VALUE} lines on stdout for a shell to evaluate, the
 *       decision's line on stderr;
 *   <li>{@code --properties FILE}: {@code engine.NAME=VALUE} lines in FILE (read by Maven into the test
 *       JVMs' environment), the decision's line on stdout;
 *   <li>{@code --recheck}: ignore the cached decision.
 * </ul>
 *
 * <p>With {@code DJL_PRUNING_WIDTHS=16} the configuration only has to be correct for models whose widths
 * are multiples of 16 (the width-aware mode: faster where the engine fails on other widths).
 *
 * <p>A configuration already in the environment ({@code ONEDNN_MAX_CPU_ISA} set by the user) is the only
 * candidate: it is checked, not overridden. Exit code 0, or 3 when no configuration passes (the message
 * names each failure), 2 on bad usage.
 */
public final class EngineSetupMain {

    /** Prefix of the properties written for Maven. */
    static final String PROPERTY_PREFIX = "engine.";

    private EngineSetupMain() {}

    /**
     * @param args see the class description
     */
    public static void main(String[] args) {
        System.exit(run(System.out, System.err, System.getenv(), args));
    }

    static int run(PrintStream out, PrintStream err, Map<String, String> env, String... args) {
        boolean printEnv = false;
        boolean recheck = false;
        Path properties = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--print-env" -> printEnv = true;
                case "--recheck" -> recheck = true;
                case "--properties" -> {
                    if (i + 1 == args.length) {
                        err.println("engine setup: --properties needs a file");
                        return 2;
                    }
                    properties = Paths.get(args[++i]);
                }
                default -> {
                    err.println("engine setup: unknown argument " + args[i]
                            + " (use --print-env, --properties FILE, --recheck)");
                    return 2;
                }
            }
        }
        if (!printEnv && properties == null) {
            err.println("engine setup: say --print-env or --properties FILE");
            return 2;
        }
        EngineDecision decision;
        try {
            decision = EngineConfigurator.builder().optCandidates(candidates(env)).optRecheck(recheck)
                    .optChannelMultiple(EngineConfiguration.channelMultiple(env)).build().decide();
        } catch (IllegalArgumentException e) {
            err.println("engine setup: " + e.getMessage());
            return 2;
        } catch (IllegalStateException e) {
            err.println("engine setup: refusing to run: " + e.getMessage());
            return 3;
        }
        Map<String, String> chosen = decision.configuration().environment();
        if (properties != null) {
            StringBuilder text = new StringBuilder();
            chosen.forEach((k, v) -> text.append(PROPERTY_PREFIX).append(k).append('=').append(v).append('\n'));
            try {
                AtomicFiles.write(properties, o -> o.write(text.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                err.println("engine setup: cannot write " + properties + ": " + e.getMessage());
                return 1;
            }
            out.println(decision.line());
        }
        if (printEnv) {
            chosen.forEach((k, v) -> out.println("export " + k + "=" + v));
            err.println(decision.line());
        }
        return 0;
    }

    /** The user's own cap if the environment has one, else the standard candidates. */
    static List<EngineConfiguration> candidates(Map<String, String> env) {
        String isa = env.get(EngineConfiguration.ISA_VARIABLE);
        if (isa == null || isa.isBlank()) {
            return EngineConfiguration.candidates();
        }
        String onednn = "off".equalsIgnoreCase(env.get(EngineSwitches.ONEDNN_SWITCH)) ? "off" : "on";
        EngineConfiguration user = new EngineConfiguration("your-environment",
                Map.of(EngineConfiguration.ISA_VARIABLE, isa, EngineSwitches.ONEDNN_SWITCH, onednn));
        return ImmutableList.of(user);
    }
}
