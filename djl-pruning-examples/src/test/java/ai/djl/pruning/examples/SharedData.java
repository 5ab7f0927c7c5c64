package ai.djl.pruning.examples;

import java.nio.file.Path;
import org.testng.SkipException;

/** Test access to ../shared: a test that needs it is skipped, with the reason, when it is absent. */
public final class SharedData {

    private SharedData() {}

    /**
     * Returns a path inside the shared folder or skips the calling test.
     *
     * @param relative path below the shared folder
     * @return the existing path
     */
    public static Path require(String relative) {
        return SharedFolder.resolve(relative).orElseThrow(() -> new SkipException(
                "skipped: ../shared/" + relative + " not found (needs the shared data folder beside the "
                        + "checkout, or -D" + SharedFolder.PROPERTY + "=DIR)"));
    }
}
