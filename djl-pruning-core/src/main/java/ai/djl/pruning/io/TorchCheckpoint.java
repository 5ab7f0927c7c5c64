package ai.djl.pruning.io;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.common.collect.ImmutableMap;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

/**
 * Reads files written by PyTorch's {@code torch.save}, in both of its formats.
 *
 * <ul>
 *   <li>the zip format of PyTorch 1.6 and later: {@code <name>/data.pkl} plus one raw file per storage
 *       under {@code <name>/data/};
 *   <li>the legacy format: a magic-number pickle, a protocol-version pickle, a system-info pickle, the
 *       object pickle, a pickle with the list of storage keys, then each storage as an int64 element
 *       count followed by its raw bytes.
 * </ul>
 *
 * <p>Pickles are decoded by Pyrolite; this class only teaches it PyTorch's tensor and storage types.
 * Tensors come back as {@link TensorData}, other values as Pyrolite maps them (maps, lists, numbers).
 *
 * <pre>{@code
 * StateDict weights = TorchCheckpoint.readStateDict(Paths.get("resnet20.th"));
 * }</pre>
 */
public final class TorchCheckpoint {

    /** {@code torch.serialization.MAGIC_NUMBER} of the legacy format. */
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    private static final long LEGACY_PROTOCOL = 1001;

    /** Keys under which training scripts commonly nest the state dict. */
    private static final List<String> STATE_DICT_KEYS =
            List.of("state_dict", "model_state_dict", "model", "net");

    static {
        Map<String, DataType> storages = new HashMap<>();
        storages.put("FloatStorage", DataType.FLOAT32);
        storages.put("DoubleStorage", DataType.FLOAT64);
        storages.put("HalfStorage", DataType.FLOAT16);
        storages.put("BFloat16Storage", DataType.BFLOAT16);
        storages.put("LongStorage", DataType.INT64);
        storages.put("IntStorage", DataType.INT32);
        storages.put("ShortStorage", DataType.INT16);
        storages.put("CharStorage", DataType.INT8);
        storages.put("ByteStorage", DataType.UINT8);
        storages.put("BoolStorage", DataType.BOOLEAN);
        storages.forEach(
                (name, type) -> Unpickler.registerConstructor("torch", name, new StorageType(type)));
        IObjectConstructor rebuild = PendingTensor::fromRebuildArgs;
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", rebuild);
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", rebuild);
        Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", args -> args[0]);
        Unpickler.registerConstructor("collections", "OrderedDict", args -> new PickledOrderedDict());
    }

    private TorchCheckpoint() {}

    /**
     * Reads a checkpoint and returns its state dict: the top-level object if it maps names to tensors,
     * else the entry under {@code state_dict} (or {@code model_state_dict}, {@code model}, {@code net}).
     *
     * @param file a {@code torch.save} file
     * @return the tensors by name, in file order
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the file is not a PyTorch checkpoint, is truncated, or holds no
     *     state dict
     */
    public static StateDict readStateDict(Path file) throws IOException, CheckpointException {
        Object root = read(file);
        if (root instanceof Map<?, ?> map) {
            if (isTensorMap(map)) {
                return StateDict.of(file.getFileName().toString(), map);
            }
            for (String key : STATE_DICT_KEYS) {
                Object nested = map.get(key);
                if (nested instanceof Map<?, ?> inner && isTensorMap(inner)) {
                    return StateDict.of(file.getFileName() + "[" + key + "]", inner);
                }
            }
            throw new CheckpointException(
                    file + " holds a dict without a state dict (keys: " + map.keySet() + ")");
        }
        throw new CheckpointException(
                file + " holds a " + describe(root) + ", not a state dict");
    }

    /**
     * Reads any object written by {@code torch.save}; tensors become {@link TensorData}.
     *
     * @param file a {@code torch.save} file
     * @return the unpickled object
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the file is not a PyTorch checkpoint or is truncated
     */
    public static Object read(Path file) throws IOException, CheckpointException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("checkpoint file not found: " + file);
        }
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n < 2) {
                throw new CheckpointException(file + " is not a PyTorch checkpoint: it is empty");
            }
        }
        try {
            if (head[0] == 'P' && head[1] == 'K') {
                return readZip(file);
            }
            return readLegacy(file, Files.readAllBytes(file));
        } catch (PickleException | ClassCastException | IndexOutOfBoundsException e) {
            throw new CheckpointException(
                    file + " is not a PyTorch checkpoint (its pickle cannot be decoded: " + e + ")",
                    e);
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            // The file was readable (its head was read above): a read error now is a damaged file.
            throw new CheckpointException(file + " is truncated or corrupt: " + e.getMessage(), e);
        }
    }

    private static Object readZip(Path file) throws IOException, CheckpointException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = zip.stream()
                    .filter(e -> e.getName().endsWith("data.pkl"))
                    .findFirst()
                    .orElseThrow(() -> new CheckpointException(
                            file + " is a zip file without data.pkl: not a PyTorch checkpoint"));
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                String byteOrder = new String(zip.getInputStream(order).readAllBytes(), StandardCharsets.US_ASCII).trim();
                if (!"little".equals(byteOrder)) {
                    throw new CheckpointException(file + " stores " + byteOrder + "-endian tensors; only little-endian is supported");
                }
            }
            StorageCollector unpickler = new StorageCollector();
            Object root;
            try (InputStream in = zip.getInputStream(pkl)) {
                root = unpickler.load(in);
            }
            Map<String, byte[]> data = new HashMap<>();
            for (String key : unpickler.storages.keySet()) {
                ZipEntry entry = zip.getEntry(prefix + "data/" + key);
                if (entry == null) {
                    throw new CheckpointException(file + " is truncated: storage " + key + " is missing");
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    data.put(key, in.readAllBytes());
                }
            }
            return resolve(root, data, file);
        } catch (ZipException e) {
            throw new CheckpointException(file + " is a damaged or truncated zip checkpoint: " + e.getMessage(), e);
        }
    }

    private static Object readLegacy(Path file, byte[] bytes) throws IOException, CheckpointException {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        Object magic = new Unpickler().load(in);
        if (!(magic instanceof BigInteger number) || !number.equals(LEGACY_MAGIC)) {
            throw new CheckpointException(
                    file + " is not a PyTorch checkpoint: neither a zip archive nor the legacy torch.save magic number");
        }
        Object protocol = new Unpickler().load(in);
        if (!(protocol instanceof Number p) || p.longValue() != LEGACY_PROTOCOL) {
            throw new CheckpointException(file + " has unsupported legacy protocol " + protocol);
        }
        Object sysInfo = new Unpickler().load(in);
        if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            throw new CheckpointException(file + " was written on a big-endian machine; not supported");
        }
        StorageCollector unpickler = new StorageCollector();
        Object root = unpickler.load(in);
        Object keys = new Unpickler().load(in);
        if (!(keys instanceof List<?> keyList)) {
            throw new CheckpointException(file + " is not a PyTorch checkpoint: storage key list missing");
        }
        int position = bytes.length - in.available();
        Map<String, byte[]> data = new HashMap<>();
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (Object key : keyList) {
            StorageRef ref = unpickler.storages.get(String.valueOf(key));
            if (ref == null) {
                throw new CheckpointException(file + " lists storage " + key + " that no tensor uses");
            }
            if (position + 8 > bytes.length) {
                throw new CheckpointException(file + " is truncated: storage " + key + " is missing");
            }
            long count = buffer.getLong(position);
            long length = count * ref.type.getNumOfBytes();
            position += 8;
            if (count < 0 || position + length > bytes.length) {
                throw new CheckpointException(String.format(
                        "%s is truncated: storage %s needs %d bytes, %d remain",
                        file, key, length, bytes.length - position));
            }
            data.put(ref.key, Arrays.copyOfRange(bytes, position, position + (int) length));
            position += (int) length;
        }
        return resolve(root, data, file);
    }

    /** Replaces every {@link PendingTensor} in the object graph by its data. */
    private static Object resolve(Object value, Map<String, byte[]> data, Path file) throws CheckpointException {
        if (value instanceof PendingTensor tensor) {
            return tensor.materialise(data, file);
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put(e.getKey(), resolve(e.getValue(), data, file));
            }
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(resolve(o, data, file));
            }
            return out;
        }
        if (value instanceof Object[] array) {
            Object[] out = new Object[array.length];
            for (int i = 0; i < array.length; i++) {
                out[i] = resolve(array[i], data, file);
            }
            return out;
        }
        return value;
    }

    private static boolean isTensorMap(Map<?, ?> map) {
        return !map.isEmpty() && map.values().stream().allMatch(v -> v instanceof TensorData);
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    /** The Python class of a storage ({@code torch.FloatStorage}, ...); never constructed. */
    private record StorageType(DataType type) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("storage types are not constructed directly");
        }
    }

    /** A storage named by a persistent id; {@code offset} is in elements (legacy storage views). */
    private record StorageRef(String key, DataType type, long offset) {}

    /** Unpickler that resolves PyTorch's persistent ids to storage references. */
    private static final class StorageCollector extends Unpickler {
        final Map<String, StorageRef> storages = new LinkedHashMap<>();

        @Override
        protected Object dispatch(short key) throws IOException {
            // Pyrolite builds dicts as HashMaps and loses the order of state-dict keys: keep it.
            if (key == Opcodes.EMPTY_DICT) {
                stack.add(new LinkedHashMap<>());
                return NO_RETURN_VALUE;
            }
            if (key != Opcodes.SETITEMS) {
                return super.dispatch(key);
            }
            List<Object> items = stack.pop_all_since_marker();
            @SuppressWarnings("unchecked")
            Map<Object, Object> target = (Map<Object, Object>) stack.peek();
            for (int i = 0; i + 1 < items.size(); i += 2) {
                target.put(items.get(i), items.get(i + 1));
            }
            return NO_RETURN_VALUE;
        }

        @Override
        protected Object persistentLoad(Object pid) {
            // zip: ('storage', type, key, location, numel)
            // legacy: ('storage', type, root_key, location, size, view_metadata)
            Object[] t = (Object[]) pid;
            if (t.length < 4 || !"storage".equals(t[0]) || !(t[1] instanceof StorageType type)) {
                throw new PickleException("unknown persistent id " + Arrays.toString(t));
            }
            String key = String.valueOf(t[2]);
            long offset = 0;
            if (t.length > 5 && t[5] instanceof Object[] view) {
                offset = ((Number) view[1]).longValue();
            }
            StorageRef root = storages.computeIfAbsent(key, k -> new StorageRef(k, type.type(), 0));
            return offset == 0 ? root : new StorageRef(key, root.type(), offset);
        }
    }

    /** A tensor whose storage bytes are read after the pickle. */
    private record PendingTensor(StorageRef storage, long offset, long[] shape, long[] stride) {

        static Object fromRebuildArgs(Object[] args) {
            if (args.length < 4 || !(args[0] instanceof StorageRef ref)) {
                throw new PickleException("unexpected tensor arguments " + Arrays.toString(args));
            }
            return new PendingTensor(
                    ref, ((Number) args[1]).longValue(), longs(args[2]), longs(args[3]));
        }

        private static long[] longs(Object tuple) {
            Object[] t = (Object[]) tuple;
            long[] out = new long[t.length];
            for (int i = 0; i < t.length; i++) {
                out[i] = ((Number) t[i]).longValue();
            }
            return out;
        }

        TensorData materialise(Map<String, byte[]> data, Path file) throws CheckpointException {
            byte[] src = data.get(storage.key());
            DataType type = storage.type();
            int es = type.getNumOfBytes();
            Shape s = new Shape(shape);
            long n = s.size();
            long first = storage.offset() + offset;
            long last = first;
            for (int d = 0; d < shape.length; d++) {
                last += (shape[d] - 1) * stride[d];
            }
            if (src == null || (n > 0 && (last + 1) * es > src.length)) {
                throw new CheckpointException(String.format(
                        "%s is truncated or corrupt: a tensor of shape %s reads past the end of storage %s",
                        file, s, storage.key()));
            }
            byte[] out = new byte[(int) (n * es)];
            if (isContiguous()) {
                System.arraycopy(src, (int) (first * es), out, 0, out.length);
            } else {
                long[] index = new long[shape.length];
                for (long i = 0; i < n; i++) {
                    long at = first;
                    for (int d = 0; d < shape.length; d++) {
                        at += index[d] * stride[d];
                    }
                    System.arraycopy(src, (int) (at * es), out, (int) (i * es), es);
                    for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                        index[d] = 0;
                    }
                }
            }
            return new TensorData(type, s, out);
        }

        private boolean isContiguous() {
            long expected = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (shape[d] != 1 && stride[d] != expected) {
                    return false;
                }
                expected *= shape[d];
            }
            return true;
        }
    }

    /** {@code collections.OrderedDict}; its pickled attributes (PyTorch's {@code _metadata}) are dropped. */
    public static final class PickledOrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        /**
         * Receives the pickled instance attributes; they carry no tensor data.
         *
         * @param state the attributes
         */
        public void __setstate__(HashMap<?, ?> state) {
            // PyTorch stores per-module version metadata here; nothing to keep.
        }
    }

    static ImmutableMap<String, TensorData> tensorsOf(Map<?, ?> map) {
        ImmutableMap.Builder<String, TensorData> b = ImmutableMap.builder();
        map.forEach((k, v) -> b.put(String.valueOf(k), (TensorData) v));
        return b.buildOrThrow();
    }
}
