package ai.djl.pruning.examples.cli;

import ai.djl.engine.Engine;
import ai.djl.pruning.engine.CheckRow;
import ai.djl.pruning.engine.ChildJvmChecker;
import ai.djl.pruning.engine.ConfigurationChecker.CandidateResult;
import ai.djl.pruning.engine.DecisionCache;
import ai.djl.pruning.engine.EngineCheck;
import ai.djl.pruning.engine.EngineCheckResult;
import ai.djl.pruning.engine.EngineConfiguration;
import ai.djl.pruning.engine.EngineDecision;
import ai.djl.pruning.engine.EngineSwitches;
import ai.djl.pruning.engine.MachineKey;
import ai.djl.ndarray.NDManager;
import ai.djl.pruning.io.ModelFiles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Engine diagnosis: CPU and engine facts, the self-check under each configuration, the one in force. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check that the engine computes correct numbers on this machine: CPU and engine facts, the "
                + "self-check table under each candidate configuration (each in a JVM of its own), and the "
                + "configuration in force checked in this JVM.",
            "Exit code 0 only when the configuration in force is correct."})
final class DoctorCommand implements Callable<Integer> {

    private static final Pattern CONV_SHAPE = Pattern.compile("n(\\d+) (\\d+)→(\\d+) ");

    @Option(names = "--sweep", description = "Check the configuration in force on the wide sweep instead: 1,200 "
            + "3×3 convolutions (batch 1/4/32, 6×6 to 32×32, channels 3 to 64), forward and both gradients; "
            + "about a minute.")
    boolean sweep;

    @Option(names = "--no-candidates", description = "Skip the per-configuration tables (child JVMs).")
    boolean noCandidates;

    @Option(names = "--model", description = "Check this saved model's own convolutions (a folder written by a "
            + "pruning command) under the configuration in force, instead of the standard shapes: whether one "
            + "model computes correctly where the general check fails (the width-aware mode).")
    Path model;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        int multiple = EngineConfiguration.channelMultiple(env);
        MachineKey key = MachineKey.ofThisMachine().withChannelMultiple(multiple);
        System.out.println("== machine");
        System.out.println("cpu:          " + key.cpu());
        System.out.println("vector ISA:   " + vectorFlags());
        System.out.println("libtorch:     " + key.libtorch());
        System.out.println("java:         " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", " + Runtime.getRuntime().availableProcessors() + " processors");
        DecisionCache cache = DecisionCache.inDjlCache();
        Optional<EngineDecision> cached = cache.load(key);
        System.out.println("decision:     " + cached.map(EngineDecision::line)
                .orElse("none cached for this machine in " + cache.folder()));
        if (!noCandidates) {
            ChildJvmChecker checker = ChildJvmChecker.ofThisClassPath(multiple);
            for (EngineConfiguration c : EngineConfiguration.candidates()) {
                CandidateResult r = checker.check(c);
                System.out.println();
                System.out.println("== candidate " + c + ": " + (r.passed() ? "correct" : "WRONG"));
                System.out.println(r.report().strip());
            }
        }
        System.out.println();
        String isa = env.getOrDefault(EngineConfiguration.ISA_VARIABLE, "not set (oneDNN's default: all)");
        String onednn = env.getOrDefault(EngineSwitches.ONEDNN_SWITCH, "not set (on)");
        String widths = multiple > 1 ? "; checked for widths that are multiples of " + multiple + " only" : "";
        System.out.printf("== in force: %s=%s, %s=%s, NNPACK off%s; engine %s %s%n", EngineConfiguration.ISA_VARIABLE,
                isa, EngineSwitches.ONEDNN_SWITCH, onednn, widths, Engine.getInstance().getEngineName(),
                Engine.getInstance().getVersion());
        EngineSwitches.applyQuietDefaults();
        long start = System.nanoTime();
        EngineCheckResult result;
        if (model != null) {
            try (NDManager manager = NDManager.newBaseManager()) {
                System.out.println("model: " + model);
                result = EngineCheck.builder().optConvolutionsOf(ModelFiles.load(model, manager)).build().run();
            }
        } else {
            result = EngineCheck.builder().optSweep(sweep).optChannelMultiple(multiple).build().run();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sweep) {
            printSweep(result);
        } else {
            System.out.println(result);
        }
        System.out.printf("in force: %s (%.1f s)%n", result.passed() ? "CORRECT" : "WRONG: " + result.summary(),
                seconds);
        return result.passed() ? 0 : 1;
    }

    /**
     * The sweep by shape: how many are wrong, split by batch and by width class (both channel counts
     * multiples of 16; a 3-channel image into a multiple of 16; any other).
     */
    private static void printSweep(EngineCheckResult result) {
        Map<String, List<CheckRow>> byShape = result.rows().stream()
                .collect(Collectors.groupingBy(CheckRow::shape, LinkedHashMap::new, Collectors.toList()));
        String[] classes = {"in and out channels both multiples of 16", "3 channels in, a multiple of 16 out",
            "other widths"};
        int[] shapes = new int[3];
        int[] wrong = new int[3];
        Map<Integer, int[]> byBatch = new TreeMap<>();
        for (Map.Entry<String, List<CheckRow>> e : byShape.entrySet()) {
            Matcher m = CONV_SHAPE.matcher(e.getKey());
            if (!m.find()) {
                continue;
            }
            int c = Integer.parseInt(m.group(2));
            int o = Integer.parseInt(m.group(3));
            int cls = o % 16 != 0 ? 2 : c % 16 == 0 ? 0 : c == 3 ? 1 : 2;
            boolean bad = e.getValue().stream().anyMatch(r -> !r.passed());
            shapes[cls]++;
            wrong[cls] += bad ? 1 : 0;
            int[] b = byBatch.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new int[2]);
            b[0]++;
            b[1] += bad ? 1 : 0;
        }
        System.out.printf("sweep: %d of %d convolution shapes wrong (forward, input or weight gradient)%n",
                wrong[0] + wrong[1] + wrong[2], shapes[0] + shapes[1] + shapes[2]);
        for (int i = 0; i < classes.length; i++) {
            System.out.printf("  %-42s %d of %d wrong%n", classes[i] + ":", wrong[i], shapes[i]);
        }
        byBatch.forEach((n, b) -> System.out.printf("  batch %-2d: %d of %d wrong%n", n, b[1], b[0]));
        List<CheckRow> failures = result.failures();
        failures.stream().limit(40).forEach(System.out::println);
        if (failures.size() > 40) {
            System.out.println("... and " + (failures.size() - 40) + " more wrong rows");
        }
        System.out.println(result.summary());
    }

    private static String vectorFlags() {
        String flags = " " + MachineKey.cpuFlags() + " ";
        return List.of("sse4_1", "avx", "avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile").stream()
                .map(f -> flags.contains(" " + f + " ") ? f : "no " + f).collect(Collectors.joining(" "));
    }
}
