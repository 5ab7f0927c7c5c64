package ai.djl.pruning.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tensor read from a checkpoint, held on the Java heap until it is turned into an {@link NDArray}.
 *
 * <p>The bytes are contiguous, row-major and little-endian, as {@link NDManager#create(java.nio.Buffer,
 * Shape, DataType)} expects.
 */
public final class TensorData {

    private final DataType dataType;
    private final Shape shape;
    private final byte[] bytes;

    /**
     * Wraps contiguous little-endian tensor bytes.
     *
     * @param dataType element type
     * @param shape tensor shape
     * @param bytes {@code shape.size() * dataType.getNumOfBytes()} bytes
     */
    public TensorData(DataType dataType, Shape shape, byte[] bytes) {
        Preconditions.checkArgument(
                bytes.length == shape.size() * dataType.getNumOfBytes(),
                "tensor of shape %s and type %s needs %s bytes, got %s",
                shape,
                dataType,
                shape.size() * dataType.getNumOfBytes(),
                bytes.length);
        this.dataType = dataType;
        this.shape = shape;
        this.bytes = bytes;
    }

    /** @return the element type as stored in the checkpoint */
    public DataType getDataType() {
        return dataType;
    }

    /** @return the tensor shape */
    public Shape getShape() {
        return shape;
    }

    /** @return the number of elements */
    public long size() {
        return shape.size();
    }

    /**
     * Creates an array holding a copy of this tensor.
     *
     * @param manager the manager that will own the array
     * @return a new array of this tensor's type and shape
     */
    public NDArray toNDArray(NDManager manager) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
        buffer.put(bytes).rewind();
        return manager.create(buffer, shape, dataType);
    }

    @Override
    public String toString() {
        return dataType + shape.toString();
    }
}
