package ai.djl.pruning.onnx;

import ai.djl.pruning.io.AtomicFiles;
import ai.djl.pruning.io.CheckpointException;
import ai.djl.pruning.onnx.proto.Onnx.ModelProto;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading and writing ONNX model files, with errors that name the file and the problem. */
public final class OnnxFiles {

    private OnnxFiles() {}

    /**
     * Reads an ONNX model file.
     *
     * @param file the .onnx file
     * @return the parsed model
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if it is missing, not ONNX, truncated, or has no graph
     */
    public static ModelProto read(Path file) throws IOException, CheckpointException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("ONNX file not found: " + file);
        }
        ModelProto model;
        try {
            model = ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw new CheckpointException(file + " is not a valid ONNX model (truncated or not ONNX): "
                    + e.getMessage(), e);
        }
        if (model.getIrVersion() <= 0 || !model.hasGraph() || model.getGraph().getNodeCount() == 0
                || model.getGraph().getOutputCount() == 0) {
            throw new CheckpointException(file + " is not a valid ONNX model: it has no IR version, graph, node or "
                    + "output (truncated or not ONNX?)");
        }
        return model;
    }

    /**
     * Writes an ONNX model atomically.
     *
     * @param model the model
     * @param file the target file
     * @throws IOException on write errors
     */
    public static void write(ModelProto model, Path file) throws IOException {
        AtomicFiles.write(file, model::writeTo);
    }
}
