package ai.djl.pruning.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * Finds the read-only {@code shared} folder (CIFAR-10 binaries, pretrained checkpoints, PyTorch
 * reference logits) that lives beside the project checkout.
 *
 * <p>Order: system property {@code djl.pruning.shared}, environment variable {@code
 * DJL_PRUNING_SHARED}, then {@code ../shared} from the working directory and from its parent (so both
 * the repository root and a module directory find it).
 */
public final class SharedFolder {

    /** System property naming the shared folder. */
    public static final String PROPERTY = "djl.pruning.shared";

    /** Environment variable naming the shared folder. */
    public static final String ENV = "DJL_PRUNING_SHARED";

    private SharedFolder() {}

    /** @return the shared folder, if one exists */
    public static Optional<Path> locate() {
        String explicit = System.getProperty(PROPERTY, System.getenv(ENV));
        if (explicit != null && !explicit.isBlank()) {
            Path p = Paths.get(explicit);
            return Files.isDirectory(p) ? Optional.of(p.toAbsolutePath().normalize()) : Optional.empty();
        }
        Path cwd = Paths.get("").toAbsolutePath();
        for (Path candidate : new Path[] {cwd.resolve("../shared"), cwd.resolve("../../shared")}) {
            if (Files.isDirectory(candidate.resolve("models")) || Files.isDirectory(candidate.resolve("cifar10"))) {
                return Optional.of(candidate.normalize());
            }
        }
        return Optional.empty();
    }

    /**
     * Returns a path inside the shared folder if it exists.
     *
     * @param relative path below the shared folder
     * @return the existing path
     */
    public static Optional<Path> resolve(String relative) {
        return locate().map(p -> p.resolve(relative)).filter(Files::exists);
    }
}
