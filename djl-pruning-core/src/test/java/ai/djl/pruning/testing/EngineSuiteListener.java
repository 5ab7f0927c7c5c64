package ai.djl.pruning.testing;

import ai.djl.pruning.engine.EngineCheck;
import ai.djl.pruning.engine.EngineSwitches;
import org.testng.ISuite;
import org.testng.ISuiteListener;

/**
 * Every test JVM of the project starts like the CLI: NNPACK off (no warning flood on processors it does
 * not know) and the engine self-checked, so that a wrong engine stops the run with the failing operation
 * named instead of surfacing as NaN losses in unrelated tests. Registered through
 * {@code META-INF/services/org.testng.ITestNGListener} in src-test-resources (both modules).
 */
public final class EngineSuiteListener implements ISuiteListener {

    @Override
    public void onStart(ISuite suite) {
        EngineSwitches.applyQuietDefaults();
        EngineCheck.verifyOnce(EngineCheck.OnFailure.THROW);
    }
}
