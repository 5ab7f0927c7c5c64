package ai.djl.pruning.engine;

import ai.djl.pruning.io.AtomicFiles;
import ai.djl.util.Utils;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Engine decisions stored per machine as small properties files, by default in DJL's cache folder
 * ({@code DJL_CACHE_DIR}, else {@code ~/.djl.ai}) under {@code djl-pruning/engine}.
 */
public final class DecisionCache {

    private final Path folder;

    /**
     * @param folder where the decisions live
     */
    public DecisionCache(Path folder) {
        this.folder = folder;
    }

    /** @return the cache in DJL's cache folder */
    public static DecisionCache inDjlCache() {
        return new DecisionCache(Utils.getCacheDir().resolve("djl-pruning").resolve("engine"));
    }

    /** @return the folder */
    public Path folder() {
        return folder;
    }

    /**
     * @param key the machine
     * @return its stored decision, if any and if it was made for exactly this key
     */
    public Optional<EngineDecision> load(MachineKey key) {
        Path file = folder.resolve(key.fileName());
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty(); // unreadable: decide again
        }
        if (!key.toString().equals(p.getProperty("key"))) {
            return Optional.empty();
        }
        List<ConfigurationChecker.CandidateResult> tried = new ArrayList<>();
        for (int i = 0; p.containsKey("tried." + i + ".name"); i++) {
            EngineConfiguration c = new EngineConfiguration(p.getProperty("tried." + i + ".name"),
                    environment(p, "tried." + i + ".env."));
            tried.add(new ConfigurationChecker.CandidateResult(c,
                    Boolean.parseBoolean(p.getProperty("tried." + i + ".passed")),
                    p.getProperty("tried." + i + ".summary", ""), ""));
        }
        if (tried.isEmpty() || !tried.get(tried.size() - 1).passed()) {
            return Optional.empty();
        }
        return Optional.of(new EngineDecision(tried.get(tried.size() - 1).configuration(), tried, key, true));
    }

    /**
     * Stores a decision atomically (a reader never sees half a file).
     *
     * @param decision what was decided
     */
    public void store(EngineDecision decision) {
        Properties p = new Properties();
        p.setProperty("key", decision.key().toString());
        p.setProperty("decided", Instant.now().toString());
        List<ConfigurationChecker.CandidateResult> tried = decision.tried();
        for (int i = 0; i < tried.size(); i++) {
            ConfigurationChecker.CandidateResult r = tried.get(i);
            p.setProperty("tried." + i + ".name", r.configuration().name());
            p.setProperty("tried." + i + ".passed", Boolean.toString(r.passed()));
            p.setProperty("tried." + i + ".summary", r.summary());
            for (Map.Entry<String, String> e : r.configuration().environment().entrySet()) {
                p.setProperty("tried." + i + ".env." + e.getKey(), e.getValue());
            }
        }
        try {
            AtomicFiles.write(folder.resolve(decision.key().fileName()),
                    out -> p.store(out, "djl-pruning engine configuration decision"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the engine decision in " + folder, e);
        }
    }

    private static Map<String, String> environment(Properties p, String prefix) {
        ImmutableMap.Builder<String, String> env = ImmutableMap.builder();
        p.stringPropertyNames().stream().filter(n -> n.startsWith(prefix)).sorted()
                .forEach(n -> env.put(n.substring(prefix.length()), p.getProperty(n)));
        return env.build();
    }
}
