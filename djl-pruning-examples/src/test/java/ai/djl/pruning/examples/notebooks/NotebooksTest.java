package ai.djl.pruning.examples.notebooks;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.pruning.examples.SharedData;
import ai.djl.pruning.examples.SharedFolder;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.testng.SkipException;
import org.testng.annotations.Test;

/**
 * Executes every notebook in {@code notebooks/} headless through {@code run-notebooks.sh} (Jupyter
 * nbconvert with the Java kernel) on small data subsets, so the notebooks cannot rot: the script fails
 * on a cell error, and each executed notebook must hold no error output and at least one inline PNG.
 * Skips, saying why, without Jupyter's nbconvert, the kernel jar (copied into target/jupyter by Maven)
 * or ../shared.
 */
public class NotebooksTest {

    /** Small subsets: the test checks that the notebooks run, not their accuracies. */
    private static final Map<String, String> SMALL = Map.of(
            "NB_TEST_IMAGES", "100",
            "NB_SCAN_IMAGES", "50",
            "NB_SCAN_GRID", "0.5,0.8",
            "NB_TRAIN_STEPS", "2",
            "NB_RATIOS", "0.2,0.5",
            "NB_LATENCY_REPS", "3",
            "NB_LATENCY_ROUNDS", "1");

    @Test
    public void notebooksRunHeadlessWithInlinePlots() throws Exception {
        Path module = Paths.get("").toAbsolutePath(); // surefire runs in the module folder
        Path script = module.resolve("notebooks/run-notebooks.sh");
        assertTrue(Files.isRegularFile(script), "missing " + script);
        requireNbconvert();
        Path kernel = module.resolve("target/jupyter/rapaio-jupyter-kernel.jar");
        if (!Files.isRegularFile(kernel)) {
            throw new SkipException("skipped: " + kernel + " not found (Maven copies it in process-test-resources)");
        }
        SharedData.require("models");
        SharedData.require("cifar10");

        Path out = module.resolve("target/notebooks-test");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "-o", out.toString())
                .redirectErrorStream(true);
        pb.environment().putAll(SMALL);
        // The kernel loads the project from this test's class path (target/classes of both modules).
        pb.environment().put("NOTEBOOK_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("DJL_PRUNING_SHARED", SharedFolder.locate().orElseThrow().toString());
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.MINUTES), "run-notebooks.sh did not end");
        System.out.print(log);
        assertEquals(p.exitValue(), 0, log);

        List<Path> notebooks;
        try (Stream<Path> s = Files.list(module.resolve("notebooks"))) {
            notebooks = s.filter(f -> f.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertTrue(notebooks.size() >= 2, "notebooks: " + notebooks);
        for (Path nb : notebooks) {
            String name = nb.getFileName().toString().replace(".ipynb", "");
            JsonObject executed = new Gson().fromJson(Files.readString(out.resolve(name + ".ipynb")), JsonObject.class);
            List<String> errors = new ArrayList<>();
            int images = 0;
            int executedCells = 0;
            for (JsonElement c : executed.getAsJsonArray("cells")) {
                JsonObject cell = c.getAsJsonObject();
                if (!"code".equals(cell.get("cell_type").getAsString())) {
                    continue;
                }
                executedCells += cell.get("execution_count").isJsonNull() ? 0 : 1;
                for (JsonElement o : cell.getAsJsonArray("outputs")) {
                    JsonObject output = o.getAsJsonObject();
                    String type = output.get("output_type").getAsString();
                    if (type.equals("error")) {
                        errors.add(output.get("ename") + ": " + output.get("evalue"));
                    }
                    if (output.has("data") && output.getAsJsonObject("data").has("image/png")) {
                        images++;
                    }
                }
            }
            assertEquals(errors, List.of(), name + " has error outputs");
            assertTrue(executedCells > 0, name + " executed no cell");
            assertTrue(images >= 1, name + " shows no inline PNG");
            String html = Files.readString(out.resolve(name + ".html"));
            assertTrue(html.contains("data:image/png;base64,"), name + ".html embeds no image");
        }
    }

    private static void requireNbconvert() throws InterruptedException {
        String why;
        try {
            Process p = new ProcessBuilder("jupyter", "nbconvert", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            why = p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0 ? null : "jupyter nbconvert does not run";
        } catch (IOException e) {
            why = "jupyter not found";
        }
        if (why != null) {
            throw new SkipException("skipped: " + why + " (Debian/Ubuntu: apt-get install -y jupyter-nbconvert "
                    + "python3-nbclient python3-ipykernel)");
        }
    }
}
