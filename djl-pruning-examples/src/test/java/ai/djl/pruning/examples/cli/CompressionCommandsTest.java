package ai.djl.pruning.examples.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import org.testng.annotations.Test;

/** The lowrank, quantize and addernet commands: listed, and bad options refused in one line. */
public class CompressionCommandsTest {

    @Test
    public void helpListsTheCompressionCommands() {
        String[] r = CliRun.run("--help");
        for (String command : new String[] {"lowrank", "quantize", "addernet"}) {
            assertTrue(r[1].contains(command), r[1]);
        }
    }

    @Test
    public void lowrankWantsExactlyOneRankSelection() {
        String[] r = CliRun.run("lowrank", "--energy", "0.9", "--mac-budget", "0.5");
        assertEquals(r[0], "2", r[2]);
        assertTrue(r[2].startsWith("error: give exactly one of --energy, --param-budget, --mac-budget, --ranks"), r[2]);
        r = CliRun.run("lowrank", "--ranks", "04layer1_010_01conv1:3");
        assertEquals(r[0], "2", r[2]);
        assertTrue(r[2].startsWith("error: --ranks entries are layerPath=rank"), r[2]);
    }
}
