package ai.djl.pruning.onnx;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.onnx.proto.Onnx.AttributeProto;
import com.google.protobuf.ByteString;
import java.util.List;

/** An ONNX graph being written, standing at one block: what an {@link OnnxHandler} reads and adds. */
public interface OnnxGraph {

    /** @return the block's DJL path ("" for the root) */
    String path();

    /** @return the name of the block's input tensor */
    String input();

    /** @return the block's input shape */
    Shape inputShape();

    /**
     * Adds a node named after the block.
     *
     * @param op the ONNX operator
     * @param inputs its input tensor names ("" for an omitted optional input)
     * @param attributes its attributes
     * @return the name of its output tensor
     */
    String node(String op, List<String> inputs, AttributeProto... attributes);

    /**
     * The input tensor followed by the block's own parameters of these names (those it has) as initializers.
     *
     * @param names DJL parameter names, in the operator's input order
     * @return tensor names
     */
    List<String> withParameters(String... names);

    /**
     * Adds an int64 initializer.
     *
     * @param suffix appended to the block's path to name it
     * @param values its values (a 1-D tensor)
     * @return its name
     */
    String longs(String suffix, long... values);

    /**
     * Adds a float scalar initializer.
     *
     * @param suffix appended to the block's path to name it
     * @param value its value
     * @return its name
     */
    String scalar(String suffix, float value);

    /**
     * Emits a child block.
     *
     * @param key the child's DJL name
     * @param child the child
     * @param in its input tensor
     * @param shape its input shape
     * @return its output tensor
     */
    String child(String key, Block child, String in, Shape shape);

    /**
     * Emits another block in this one's place (same path and input).
     *
     * @param same the block
     * @return its output tensor
     */
    String as(Block same);

    /**
     * An INTS attribute.
     *
     * @param name its name
     * @param values its values
     * @return the attribute
     */
    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    /**
     * An INT attribute.
     *
     * @param name its name
     * @param value its value
     * @return the attribute
     */
    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /**
     * A FLOAT attribute.
     *
     * @param name its name
     * @param value its value
     * @return the attribute
     */
    static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /**
     * A STRING attribute.
     *
     * @param name its name
     * @param value its value
     * @return the attribute
     */
    static AttributeProto string(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }
}
