package ai.djl.pruning.examples.pipeline;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.pruning.examples.SharedData;
import ai.djl.pruning.unstructured.PruningMasks;
import com.google.common.collect.ImmutableList;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testng.annotations.Test;

public class PipelineTest {

    @Test
    public void specRoundTripsThroughJson() {
        PipelineSpec spec = PipelineSpec.defaults("resnet56");
        assertEquals(PipelineSpec.fromJson(spec.toJson()), spec);
        assertEquals(spec.output().toString(), "runs/pipeline-resnet56");
        PipelineSpec channel = PipelineSpec.builder("resnet20").addStep(new PipelineStep.Profile())
                .addStep(PipelineSpec.channel(0.4, "l1", "fpgm")).addStep(new PipelineStep.FineTune(2, 0.02f, 1000L,
                        "original")).optTestImages(500L).build();
        assertEquals(PipelineSpec.fromJson(channel.toJson()), channel);
        // Defaults fill what a file leaves out.
        PipelineSpec small = PipelineSpec.fromJson("{\"model\": \"resnet20\", \"steps\": [{\"step\": \"scan\"}, "
                + "{\"step\": \"allocate\"}, {\"step\": \"prune\"}]}");
        assertEquals(((PipelineStep.Scan) small.steps().get(0)).images(), 500);
        assertEquals(((PipelineStep.Allocate) small.steps().get(1)).budget(), 0.3);
    }

    @Test
    public void badPipelinesNameTheirProblem() {
        assertMessage("{\"model\": \"resnet20\", \"steps\": [{\"step\": \"profile\", \"lr\": 1}]}",
                "profile: unknown key 'lr' (known: [step])");
        assertMessage("{\"model\": \"resnet20\", \"steps\": [{\"step\": \"prune\", \"sparsity\": 0.5}, {\"step\": \"profile\"}]}",
                "step 'profile' cannot follow 'prune'");
        assertMessage("{\"model\": \"resnet20\", \"steps\": [{\"step\": \"squeeze\"}]}", "unknown step 'squeeze'");
        assertMessage("{\"model\": \"resnet20\", \"steps\": [{\"step\": \"allocate\"}]}",
                "step 'allocate' needs a 'scan' step before it");
        assertMessage("{\"model\": \"resnet20\", \"steps\": [{\"step\": \"prune\"}]}",
                "prune: fine-grained pruning needs an 'allocate' step or a uniform 'sparsity'");
        assertMessage("{\"model\": \"resnet20\", \"steps\": [{\"step\": \"prune\", \"sparsity\": 1.5}]}",
                "prune: sparsity must be in [0, 1), got 1.5");
        assertMessage("{\"model\": \"resnet18\", \"steps\": [{\"step\": \"profile\"}]}", "unknown model 'resnet18'");
        assertMessage("{\"model\": {\"file\": \"m.h5\"}, \"steps\": [{\"step\": \"profile\"}]}",
                "model: file m.h5 is neither ONNX (.onnx) nor TorchScript (.pt)");
        assertMessage("{\"model\": \"resnet20\", \"steps\": [{\"step\": \"scan\"}, {\"step\": \"prune\", \"method\": "
                + "\"channel\"}]}", "the sensitivity scan and allocation are for fine-grained pruning");
        assertMessage("{\"model\": \"resnet20\", \"steps\": []}", "a pipeline needs at least one step");
    }

    private static void assertMessage(String json, String expectedStart) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> PipelineSpec.fromJson(json));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }

    @Test
    public void fineGrainedPipelineRunsAndAReRunSkipsItsSteps() throws Exception {
        SharedData.require("models");
        SharedData.require("cifar10");
        Path out = Files.createTempDirectory("pipeline").resolve("run");
        PipelineSpec spec = PipelineSpec.builder("resnet20").optOutput(out).optTestImages(200L)
                .addStep(new PipelineStep.Profile())
                .addStep(new PipelineStep.Scan(100, ImmutableList.of(0.5, 0.9)))
                .addStep(new PipelineStep.Allocate(0.4))
                .addStep(PipelineSpec.fineGrained())
                .addStep(new PipelineStep.FineTune(1, 0.01f, 256L, null))
                .addStep(new PipelineStep.Measure(false))
                .addStep(new PipelineStep.Report())
                .build();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RunSummary first = new Pipeline(spec).run(new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(first.originalAccuracy().orElseThrow().total(), 200);
        PruningMasks masks = PruningMasks.load(out.resolve(RunFolder.MASKS));
        assertTrue(masks.sparsity() > 0.5 && masks.sparsity() < 0.8, "sparsity " + masks.sparsity());
        assertEquals(first.history().size(), 1);
        // original, pruned, fine-tuned: all three on the accuracy-vs-MACs plot
        assertEquals(first.variants().stream().map(RunSummary.Variant::name).toList(),
                java.util.List.of("original", "pruned (fine-grained)", "fine-tuned"));
        assertTrue(first.variants().get(2).params() < 0.45 * first.variants().get(0).params());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Original vs compressed") && html.contains("data:image/png;base64,"));
        for (String plot : new String[] {RunFolder.PLOT_SENSITIVITY, RunFolder.PLOT_EPOCHS, RunFolder.PLOT_VARIANTS,
            RunFolder.PLOT_PARAMS, RunFolder.PLOT_WEIGHTS_ORIGINAL, RunFolder.PLOT_WEIGHTS_COMPRESSED}) {
            assertTrue(Files.size(out.resolve(plot)) > 1000, plot);
        }
        assertTrue(Files.readString(out.resolve("report.md")).contains("| layer1.0.conv1 | Conv2d |"));

        ByteArrayOutputStream log2 = new ByteArrayOutputStream();
        RunSummary second = new Pipeline(spec).run(new PrintStream(log2, true, StandardCharsets.UTF_8));
        String again = log2.toString(StandardCharsets.UTF_8);
        for (String file : new String[] {RunFolder.PROFILE, RunFolder.SCAN, RunFolder.MASKS, RunFolder.MEASURE}) {
            assertTrue(again.contains("done before: " + out.resolve(file)), again);
        }
        assertTrue(again.contains("all 1 epochs are done"), again);
        assertFalse(again.contains("[scan"), again);
        assertEquals(second.variants(), first.variants());
        assertEquals(second.measurement(), first.measurement());

        // The folder belongs to this pipeline now.
        PipelineSpec other = spec.toBuilder().replaceStep(new PipelineStep.Allocate(0.5)).build();
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> new Pipeline(other).run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("holds the results of a different pipeline"), e.getMessage());
    }

    @Test
    public void channelPipelineKeepsTheMostAccurateCriterion() throws Exception {
        SharedData.require("models");
        SharedData.require("cifar10");
        Path out = Files.createTempDirectory("pipeline-channel").resolve("run");
        PipelineSpec spec = PipelineSpec.builder("resnet20").optOutput(out).optTestImages(200L)
                .addStep(new PipelineStep.Profile())
                .addStep(PipelineSpec.channel(0.5, "l1", "random"))
                .addStep(new PipelineStep.Measure(false))
                .build();
        RunSummary run = new Pipeline(spec).run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(run.variants().size(), 3);
        long originalMacs = run.variants().get(0).macs();
        run.variants().subList(1, 3).forEach(v -> assertTrue(v.macs() <= originalMacs / 2, v.toString()));
        double best = Math.max(run.variants().get(1).accuracy(), run.variants().get(2).accuracy());
        assertEquals(run.prunedAccuracy().orElseThrow().percent(), best, 1e-9);
        assertTrue(Files.isRegularFile(out.resolve(RunFolder.PRUNED_MODEL).resolve("architecture.json")));
        var rows = run.measurement().orElseThrow().rows();
        assertEquals(rows.get(0).metric(), "MACs (M)");
        assertTrue(rows.get(0).ratio() >= 2.0, "MAC ratio " + rows.get(0).ratio());
    }
}
