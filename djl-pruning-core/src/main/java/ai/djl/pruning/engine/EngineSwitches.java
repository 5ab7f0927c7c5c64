package ai.djl.pruning.engine;

import ai.djl.engine.Engine;
import com.google.common.base.Preconditions;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * Two global libtorch switches that DJL does not expose, set through libtorch's exported C++ symbols:
 * NNPACK off ({@code at::Context::setUserEnabledNNPACK}) and oneDNN off ({@code
 * at::Context::setUserEnabledMkldnn}).
 *
 * <p>NNPACK: on processors its bundled CPU detection does not know (AMD Zen 5, for one) every
 * convolution that asks whether NNPACK is usable prints "Could not initialize NNPACK! Reason: Unsupported
 * hardware." to stderr, thousands of lines a run, and {@code TORCH_CPP_LOG_LEVEL} does not silence it.
 * Turning NNPACK off is what libtorch would end up doing anyway on such machines; elsewhere oneDNN takes
 * the same convolutions.
 *
 * <p>These are process-wide settings: call them from an application's start-up (as the project's CLI,
 * tests and notebooks do), never from library code in the middle of someone else's work.
 */
public final class EngineSwitches {

    /** Environment variable naming the oneDNN switch of an {@link EngineConfiguration}: {@code off}. */
    public static final String ONEDNN_SWITCH = "DJL_PRUNING_ONEDNN";

    private static final String TORCH_LIBRARY = "libtorch_cpu.so";
    private static final String GLOBAL_CONTEXT = "_ZN2at13globalContextEv";
    private static final String SET_NNPACK = "_ZN2at7Context20setUserEnabledNNPACKEb";
    private static final String SET_MKLDNN = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private static final String GET_NNPACK = "_ZNK2at7Context17userEnabledNNPACKEv";
    private static final String GET_MKLDNN = "_ZNK2at7Context17userEnabledMkldnnEv";

    private EngineSwitches() {}

    /**
     * The start-up settings of every JVM the project launches: NNPACK off, and oneDNN off when the
     * environment's configuration says so ({@value #ONEDNN_SWITCH}{@code =off}). Starts the PyTorch
     * engine if it is not running.
     */
    public static synchronized void applyQuietDefaults() {
        // NNPACK off is cosmetic (its warnings): skipped where libtorch's library cannot be found (not
        // Linux, another engine build). oneDNN off is a correctness setting: that one fails loudly.
        if (findLoadedLibrary(TORCH_LIBRARY).isPresent()) {
            setNnpackEnabled(false);
        }
        if ("off".equalsIgnoreCase(System.getenv(ONEDNN_SWITCH))) {
            setMkldnnEnabled(false);
        }
    }

    /**
     * @param enabled whether libtorch may use NNPACK for convolutions
     */
    public static void setNnpackEnabled(boolean enabled) {
        call(SET_NNPACK, enabled);
    }

    /**
     * @param enabled whether libtorch may use oneDNN (MKL-DNN) kernels; off is correct but slow
     */
    public static void setMkldnnEnabled(boolean enabled) {
        call(SET_MKLDNN, enabled);
    }

    /** @return whether libtorch may use NNPACK (its own flag, read back) */
    public static boolean isNnpackEnabled() {
        return get(GET_NNPACK);
    }

    /** @return whether libtorch may use oneDNN (its own flag, read back) */
    public static boolean isMkldnnEnabled() {
        return get(GET_MKLDNN);
    }

    private static void call(String symbol, boolean value) {
        NativeLibrary torch = torch();
        torch.getFunction(symbol).invokeVoid(new Object[] {context(torch), value});
    }

    private static boolean get(String symbol) {
        NativeLibrary torch = torch();
        // A C++ bool comes back in the low byte of the return register.
        return (torch.getFunction(symbol).invokeInt(new Object[] {context(torch)}) & 0xff) != 0;
    }

    private static NativeLibrary torch() {
        return NativeLibrary.getInstance(findLoadedLibrary(TORCH_LIBRARY).orElseThrow(() -> new IllegalStateException(
                TORCH_LIBRARY + " is not loaded in this process (read from /proc/self/maps; Linux only)")).toString());
    }

    private static Pointer context(NativeLibrary torch) {
        return torch.getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
    }

    /** The file of a native library the engine has loaded, read from this process's memory map (Linux). */
    static Optional<Path> findLoadedLibrary(String fileName) {
        Engine engine = Engine.getEngine("PyTorch");
        Preconditions.checkState(engine != null, "the PyTorch engine is not on the class path");
        Path maps = Paths.get("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try {
            return Files.readAllLines(maps, StandardCharsets.UTF_8).stream()
                    .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                    .filter(path -> path.endsWith("/" + fileName))
                    .map(Paths::get)
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/maps to find " + fileName, e);
        }
    }
}
