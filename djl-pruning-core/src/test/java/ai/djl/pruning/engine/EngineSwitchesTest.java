package ai.djl.pruning.engine;

import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import org.testng.annotations.Test;

/** The libtorch switches reached through JNA really change libtorch's flags, read back from libtorch. */
public class EngineSwitchesTest {

    @Test
    public void nnpackSwitchIsReadBackFromLibtorch() {
        try {
            EngineSwitches.setNnpackEnabled(true);
            assertTrue(EngineSwitches.isNnpackEnabled());
            EngineSwitches.setNnpackEnabled(false);
            assertFalse(EngineSwitches.isNnpackEnabled());
        } finally {
            EngineSwitches.setNnpackEnabled(false); // as every project JVM runs
        }
        // The test JVM's start-up (EngineSuiteListener) leaves oneDNN on unless the configuration says off.
        assertTrue(EngineSwitches.isMkldnnEnabled() != "off".equalsIgnoreCase(System.getenv("DJL_PRUNING_ONEDNN")));
    }
}
