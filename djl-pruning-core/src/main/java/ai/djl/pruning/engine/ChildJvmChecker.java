package ai.djl.pruning.engine;

import com.google.common.base.Preconditions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link EngineCheckMain} in a child JVM whose environment holds the configuration, because oneDNN
 * reads its instruction-set cap once per process, before the first kernel.
 */
public final class ChildJvmChecker implements ConfigurationChecker {

    private final String classPath;
    private final boolean sweep;
    private final long timeoutSeconds;
    private final int channelMultiple;

    /**
     * @param classPath the child's class path (this library, DJL, the PyTorch natives)
     * @param sweep run the wide sweep instead of the quick check
     * @param timeoutSeconds how long the child may take
     * @param channelMultiple check only widths that are multiples of this (1: all widths)
     */
    public ChildJvmChecker(String classPath, boolean sweep, long timeoutSeconds, int channelMultiple) {
        Preconditions.checkArgument(classPath != null && !classPath.isEmpty(), "the child needs a class path");
        this.classPath = classPath;
        this.sweep = sweep;
        this.timeoutSeconds = timeoutSeconds;
        this.channelMultiple = channelMultiple;
    }

    /**
     * @param channelMultiple check only widths that are multiples of this (1: all widths)
     * @return a checker with this JVM's class path: the quick check, 3 minutes at most
     */
    public static ChildJvmChecker ofThisClassPath(int channelMultiple) {
        return new ChildJvmChecker(System.getProperty("java.class.path"), false, 180, channelMultiple);
    }

    @Override
    public CandidateResult check(EngineConfiguration configuration) {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        command.add("-Dai.djl.offline=true");
        command.add("-DOPT_OUT_TRACKING=true");
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda=error");
        command.add("-cp");
        command.add(classPath);
        command.add(EngineCheckMain.class.getName());
        if (sweep) {
            command.add("--sweep");
        }
        command.add("--channel-multiple");
        command.add(Integer.toString(channelMultiple));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(configuration.environment());
        pb.environment().put("OPT_OUT_TRACKING", "true");
        Path log = null;
        try {
            // To a file, not a pipe: the sweep's table outgrows a pipe's buffer and would block the child.
            log = Files.createTempFile("engine-check", ".txt");
            pb.redirectOutput(log.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new CandidateResult(configuration, false, "the check did not finish in " + timeoutSeconds
                        + " s", "");
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            return new CandidateResult(configuration, p.exitValue() == 0, summaryOf(out, p.exitValue()), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a JVM to check " + configuration, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + configuration, e);
        } finally {
            if (log != null) {
                log.toFile().delete();
            }
        }
    }

    /** The line before the verdict is the result's summary; an engine error is the verdict line. */
    private static String summaryOf(String out, int exitCode) {
        String[] lines = out.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith(EngineCheckMain.VERDICT)) {
                return exitCode == 2 || i == 0 ? lines[i] : lines[i - 1].strip();
            }
        }
        return "the check printed no verdict (exit " + exitCode + "): "
                + (lines.length == 0 ? "" : lines[lines.length - 1]);
    }
}
