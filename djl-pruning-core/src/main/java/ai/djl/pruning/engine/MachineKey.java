package ai.djl.pruning.engine;

import com.google.common.base.Preconditions;
import com.google.common.hash.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What an engine configuration decision depends on: the processor (vendor, model name, family, model,
 * stepping, feature flags), the libtorch build and the check's own version. A decision cached under one
 * key is never reused on another.
 *
 * @param cpu e.g. {@code AMD EPYC, family 26, model 2, stepping 1}
 * @param flagsHash a hash of the CPU feature flags
 * @param libtorch the libtorch build, e.g. {@code 2.7.1-20250812 cpu linux-x86_64}
 * @param checkVersion the version of the check that made the decision
 * @param channelMultiple 1 when the decision holds for every width, 16 when only for models whose widths
 *     are multiples of 16 ({@link EngineCheck.Builder#optChannelMultiple})
 */
public record MachineKey(String cpu, String flagsHash, String libtorch, int checkVersion, int channelMultiple) {

    /** Bumped whenever the quick check changes what it covers, so old decisions are made again. */
    public static final int CHECK_VERSION = 3;

    /** Checks the fields. */
    public MachineKey {
        Preconditions.checkNotNull(cpu, "cpu");
        Preconditions.checkNotNull(flagsHash, "flagsHash");
        Preconditions.checkNotNull(libtorch, "libtorch");
        Preconditions.checkArgument(channelMultiple >= 1, "channel multiple must be at least 1");
    }

    /**
     * A key for decisions that hold for every width.
     *
     * @param cpu the processor
     * @param flagsHash a hash of its feature flags
     * @param libtorch the libtorch build
     * @param checkVersion the check's version
     */
    public MachineKey(String cpu, String flagsHash, String libtorch, int checkVersion) {
        this(cpu, flagsHash, libtorch, checkVersion, 1);
    }

    /**
     * @param multiple the channel multiple the decision is for
     * @return this key for decisions about models whose widths are multiples of {@code multiple}
     */
    public MachineKey withChannelMultiple(int multiple) {
        return new MachineKey(cpu, flagsHash, libtorch, checkVersion, multiple);
    }

    /** @return this machine's key, read from /proc/cpuinfo and the PyTorch natives on the class path */
    public static MachineKey ofThisMachine() {
        Map<String, String> info = cpuInfo(Paths.get("/proc/cpuinfo"));
        String cpu = String.format("%s, family %s, model %s, stepping %s",
                info.getOrDefault("model name", System.getProperty("os.arch")), info.getOrDefault("cpu family", "?"),
                info.getOrDefault("model", "?"), info.getOrDefault("stepping", "?"));
        String flags = info.getOrDefault("flags", "");
        String hash = Hashing.sha256().hashString(flags, StandardCharsets.UTF_8).toString().substring(0, 16);
        return new MachineKey(cpu, hash, libtorchBuild(), CHECK_VERSION);
    }

    /** @return this machine's CPU feature flags, space-separated (empty when unknown) */
    public static String cpuFlags() {
        return cpuInfo(Paths.get("/proc/cpuinfo")).getOrDefault("flags", "");
    }

    /** @return a file name for this key: a hash of every field */
    public String fileName() {
        return Hashing.sha256().hashString(toString(), StandardCharsets.UTF_8).toString().substring(0, 24)
                + ".properties";
    }

    /**
     * @param cpuinfo a /proc/cpuinfo file
     * @return the first processor's fields (empty when the file cannot be read)
     */
    static Map<String, String> cpuInfo(Path cpuinfo) {
        Map<String, String> fields = new LinkedHashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(cpuinfo, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return fields;
        }
        for (String line : lines) {
            if (line.isBlank()) {
                break; // the first processor only
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    /** @return the libtorch build named by the pytorch-native jar, or {@code unknown} */
    static String libtorchBuild() {
        try (InputStream in = MachineKey.class.getResourceAsStream("/native/lib/pytorch.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown") + " " + p.getProperty("flavor", "") + " "
                    + p.getProperty("classifier", "");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
