package ai.djl.pruning.engine;

import java.util.Arrays;
import java.util.List;

/**
 * Runs {@link EngineCheck} in this JVM and prints its table: the child process {@link ChildJvmChecker}
 * starts once per candidate configuration (the configuration is environment that must exist before the
 * engine loads). Exit code 0 when every check passed, 1 when one failed, 2 when the engine did not start.
 * Arguments: {@code --sweep} for the wide sweep, {@code --channel-multiple N} to check only widths that are
 * multiples of N.
 */
public final class EngineCheckMain {

    /** The last line's start; the verdict follows. */
    static final String VERDICT = "engine-check:";

    private EngineCheckMain() {}

    /**
     * @param args {@code --sweep}, {@code --channel-multiple N}
     */
    public static void main(String[] args) {
        List<String> list = Arrays.asList(args);
        boolean sweep = list.contains("--sweep");
        int at = list.indexOf("--channel-multiple");
        int multiple = at >= 0 && at + 1 < args.length ? Integer.parseInt(args[at + 1]) : 1;
        int code;
        try {
            EngineSwitches.applyQuietDefaults();
            long start = System.nanoTime();
            EngineCheckResult result = EngineCheck.builder().optSweep(sweep).optChannelMultiple(multiple).build()
                    .run();
            System.out.println(result);
            System.out.printf("%s %s in %.1f s%n", VERDICT, result.passed() ? "PASS" : "FAIL",
                    (System.nanoTime() - start) / 1e9);
            code = result.passed() ? 0 : 1;
        } catch (RuntimeException | LinkageError e) {
            System.out.println(VERDICT + " ERROR " + e);
            code = 2;
        }
        System.out.flush();
        System.exit(code);
    }
}
