package ai.djl.pruning.examples.cli;

import ai.djl.pruning.engine.EngineCheck;
import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.pruning.engine.EngineSwitches;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code djl-pruning} command-line tool.
 *
 * <p>Errors print as one line (a stack trace only with {@code --verbose}); exit codes: 0 success, 1
 * runtime failure (missing file, bad checkpoint), 2 bad usage.
 */
@Command(
        name = "djl-pruning",
        mixinStandardHelpOptions = true,
        version = "djl-pruning 0.1.0",
        description = "Train, evaluate and compress CIFAR-10 models with DJL.",
        subcommands = {
            EvaluateCommand.class,
            AccuracyTableCommand.class,
            TrainCommand.class,
            ConvertCommand.class,
            ThroughputCommand.class,
            ProfileCommand.class,
            BenchCommand.class,
            DeployCommand.class,
            LatencyTableCommand.class,
            PlotsCommand.class,
            FineGrainedCommand.class,
            ChannelCommand.class,
            CompressCommand.class,
            DistillCommand.class,
            LotteryCommand.class,
            SlimmingCommand.class,
            OnnxCommand.class,
            TorchScriptCommand.class,
            SoakCommand.class,
            PipelineCommand.class,
            LowRankCommand.class,
            QuantizeCommand.class,
            AdderNetCommand.class,
            DoctorCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main {

    /** {@code warn} lets commands run on an engine that failed its self-check, with a warning. */
    static final String ENGINE_CHECK_VARIABLE = "DJL_PRUNING_ENGINE_CHECK";

    @Option(names = "--verbose", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    /**
     * Runs the tool.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        // What bin/djl-pruning passes with -D, for `java -jar`: quiet engine logs unless asked otherwise.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda", "error");
        }
        System.exit(run(args));
    }

    /**
     * What every engine-using command does first: NNPACK off (no warning flood) and the engine's
     * numerical self-check, so that no command computes figures on a wrong engine.
     */
    static void prepareEngine() {
        EngineSwitches.applyQuietDefaults();
        // DJL_PRUNING_ENGINE_CHECK=warn: go on with a logged warning (to measure a faulty configuration's speed).
        boolean warn = "warn".equalsIgnoreCase(System.getenv(ENGINE_CHECK_VARIABLE));
        // DJL_PRUNING_WIDTHS=16: the engine need only be correct for widths that are multiples of 16.
        EngineCheck.verifyOnce(warn ? EngineCheck.OnFailure.WARN : EngineCheck.OnFailure.THROW,
                EngineConfiguration.channelMultiple(System.getenv()));
    }

    /**
     * Whether a parsed command line runs a command that uses the engine: not the bare tool, not help or
     * version requests, not {@code help}, and not {@code doctor} (which checks the engine itself).
     */
    private static boolean usesEngine(CommandLine.ParseResult parsed) {
        if (!parsed.hasSubcommand()) {
            return false;
        }
        CommandLine.ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        Object command = leaf.commandSpec().userObject();
        return !leaf.isUsageHelpRequested() && !leaf.isVersionHelpRequested()
                && !(command instanceof DoctorCommand) && !(command instanceof CommandLine.HelpCommand);
    }

    /**
     * Runs the tool without exiting the JVM.
     *
     * @param args command-line arguments
     * @return the exit code
     */
    public static int run(String... args) {
        // The engine must never reach the network from this tool (see ENVIRONMENT.md).
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            if (verbose) {
                e.printStackTrace();
            } else {
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                commandLine.getErr().println("error: " + message.replace('\n', ' '));
            }
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine commandLine = e.getCommandLine();
            commandLine.getErr().println("error: " + e.getMessage().replace('\n', ' ')
                    + " (see '" + commandLine.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        // After parsing, so that help and bad usage never start the engine.
        cli.setExecutionStrategy(parsed -> {
            if (usesEngine(parsed)) {
                try {
                    prepareEngine();
                } catch (IllegalStateException e) {
                    cli.getErr().println("error: " + e.getMessage().lines().findFirst().orElse(""));
                    return 1;
                }
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cli.execute(args);
    }
}
