package ai.djl.pruning.deploy;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.onnx.OnnxExporter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The inference form of a block, in the runtimes DJL offers: the block itself on DJL's default engine, or its
 * ONNX export loaded as a DJL model on DJL's OnnxRuntime engine (through {@code Criteria}, so any DJL
 * {@code Predictor} and {@code Translator} work with it). Fold BatchNorm first ({@link BatchNormFolding}).
 *
 * <pre>{@code
 * Block folded = BatchNormFolding.fold(pruned, shape, manager).block();
 * Path onnx = Deployment.writeOnnx(folded, shape, Paths.get("deploy"));
 * try (ZooModel<NDList, NDList> ort = Deployment.loadOnnxRuntime(onnx, 2);
 *         Predictor<NDList, NDList> p = ort.newPredictor()) { ... }
 * }</pre>
 */
public final class Deployment {

    /** The ONNX file {@link #writeOnnx} writes in its folder. */
    public static final String ONNX_FILE = "model.onnx";

    private Deployment() {}

    /**
     * Writes the block's ONNX form (dynamic batch) as {@code model.onnx} in a folder.
     *
     * @param block an initialised block
     * @param inputShape its input shape
     * @param dir the folder (created if missing)
     * @return the file written
     * @throws IOException on write errors
     */
    public static Path writeOnnx(Block block, Shape inputShape, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(ONNX_FILE);
        OnnxExporter.export(block, inputShape, file);
        return file;
    }

    /**
     * Loads an ONNX file as a DJL model on the OnnxRuntime engine ({@code ai.djl.onnxruntime:onnxruntime-engine}
     * must be on the class path), taking and giving {@code NDList}s.
     *
     * @param onnxFile the file
     * @param intraOpThreads ONNX Runtime's threads per operator (0: its default, all cores)
     * @return the model; close it
     * @throws IOException if the file cannot be read
     * @throws MalformedModelException if ONNX Runtime rejects it
     * @throws ModelNotFoundException if the OnnxRuntime engine is not on the class path
     */
    public static ZooModel<NDList, NDList> loadOnnxRuntime(Path onnxFile, int intraOpThreads)
            throws IOException, MalformedModelException, ModelNotFoundException {
        Preconditions.checkArgument(intraOpThreads >= 0, "threads must be >= 0, got %s", intraOpThreads);
        Preconditions.checkArgument(Files.isRegularFile(onnxFile), "no ONNX file at %s", onnxFile);
        Criteria.Builder<NDList, NDList> c = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(onnxFile).optEngine("OnnxRuntime").optTranslator(new NoopTranslator());
        if (intraOpThreads > 0) {
            c.optOption("intraOpNumThreads", Integer.toString(intraOpThreads)).optOption("interOpNumThreads", "1");
        }
        return c.build().loadModel();
    }
}
