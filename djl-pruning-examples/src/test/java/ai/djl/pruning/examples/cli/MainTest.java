package ai.djl.pruning.examples.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.testng.annotations.Test;

public class MainTest {

    @Test
    public void unknownModelIsOneLineAndExitCode2() {
        Result r = run("evaluate", "--model", "resnet18");
        assertEquals(r.code, 2);
        assertEquals(r.err.strip().lines().count(), 1L, r.err);
        assertTrue(r.err.startsWith("error: unknown model 'resnet18'; known models: resnet20"), r.err);
    }

    @Test
    public void missingWeightsFileIsOneLineAndExitCode1() throws Exception {
        Result r = run("evaluate", "--model", "resnet20", "--weights", "/nonexistent/w.th", "--limit", "10",
                "--data", ai.djl.pruning.examples.data.TestData.synthetic().toString());
        assertEquals(r.code, 1, r.err);
        assertTrue(r.err.startsWith("error: checkpoint file not found: /nonexistent/w.th"), r.err);
    }

    @Test
    public void badOptionValueIsOneLineAndExitCode2() {
        Result r = run("evaluate", "--batch-size", "many");
        assertEquals(r.code, 2);
        assertEquals(r.err.strip().lines().count(), 1L, r.err);
        assertTrue(r.err.startsWith("error: Invalid value for option '--batch-size'"), r.err);
    }

    @Test
    public void helpListsTheCommands() {
        Result r = run("--help");
        assertEquals(r.code, 0);
        for (String command : new String[] {"evaluate", "accuracy-table", "train", "save", "throughput"}) {
            assertTrue(r.out.contains(command), r.out);
        }
    }

    @Test
    public void pipelineBadInvocationsAreOneLineWithExitCodes() throws Exception {
        Result unknown = run("pipeline", "--model", "resnet18");
        assertEquals(unknown.code, 2);
        assertEquals(unknown.err.strip().lines().count(), 1L, unknown.err);
        assertTrue(unknown.err.startsWith("error: unknown model 'resnet18'"), unknown.err);

        Result sparsity = run("pipeline", "--sparsity", "1.5");
        assertEquals(sparsity.code, 2);
        assertEquals(sparsity.err.strip(), "error: prune: sparsity must be in [0, 1), got 1.5");

        java.nio.file.Path out = java.nio.file.Files.createTempDirectory("pipeline-missing-weights");
        Result weights = run("pipeline", "--weights", "/nonexistent/w.th", "--test-images", "10", "-o",
                out.resolve("run").toString(), "--data", ai.djl.pruning.examples.data.TestData.synthetic().toString());
        assertEquals(weights.code, 1, weights.err);
        assertTrue(weights.err.startsWith("error: checkpoint file not found: /nonexistent/w.th"), weights.err);
    }

    @Test
    public void pipelineOptionsChangeTheDefaultPipeline() throws Exception {
        PipelineCommand c = new PipelineCommand();
        new picocli.CommandLine(c).parseArgs("--method", "channel", "--criteria", "l1,fpgm", "--macs", "0.4",
                "--epochs", "0", "--no-latency", "-m", "resnet56");
        var spec = c.spec();
        assertEquals(spec.steps().stream().map(s -> s.kind().key()).toList(),
                java.util.List.of("profile", "prune", "measure", "report"));
        assertEquals(spec.model().zoo(), "resnet56");
        assertEquals(spec.output().toString(), "runs/pipeline-resnet56");
        var prune = (ai.djl.pruning.examples.pipeline.PipelineStep.Prune) spec.steps().get(1);
        assertEquals(prune.criteria(), java.util.List.of("l1", "fpgm"));
        assertEquals(prune.macs(), 0.4);
    }

    @Test
    public void everySubcommandHasCleanHelp() {
        for (String name : new picocli.CommandLine(new Main()).getSubcommands().keySet()) {
            if (name.equals("help")) {
                continue; // picocli's own help command prints a description first
            }
            Result r = run(name, "--help");
            assertEquals(r.code, 0, name);
            assertTrue(r.out.startsWith("Usage: djl-pruning " + name), name + ": " + r.out);
            // picocli warns (and prints the raw text) when a description has a stray % sign.
            assertFalse(r.err.contains("WARN") || r.out.contains("WARN"), name + ": " + r.err);
        }
    }

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
