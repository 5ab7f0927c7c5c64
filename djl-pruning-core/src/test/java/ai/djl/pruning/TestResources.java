package ai.djl.pruning;

import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Files of src-test-resources (a test resource root of both modules) and the JSON references beside them. */
public final class TestResources {

    private TestResources() {}

    /**
     * Returns a test resource's path.
     *
     * @param name path below src-test-resources, e.g. {@code onnx/resnet20.onnx}
     * @return the file
     */
    public static Path path(String name) {
        try {
            return Paths.get(TestResources.class.getResource("/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    /**
     * Reads a JSON test resource.
     *
     * @param name path below src-test-resources
     * @return its top-level object
     */
    public static JsonObject json(String name) {
        try {
            return JsonParser.parseString(Files.readString(path(name))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a JSON array of numbers.
     *
     * @param o the object
     * @param key the array's key
     * @return its values
     */
    public static float[] floats(JsonObject o, String key) {
        JsonArray a = o.getAsJsonArray(key);
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    /**
     * Reads a JSON array of dimensions.
     *
     * @param o the object
     * @param key the array's key
     * @return the shape
     */
    public static Shape shape(JsonObject o, String key) {
        JsonArray a = o.getAsJsonArray(key);
        long[] s = new long[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsLong();
        }
        return new Shape(s);
    }
}
