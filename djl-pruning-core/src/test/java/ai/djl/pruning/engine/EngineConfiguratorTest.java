package ai.djl.pruning.engine;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.pruning.engine.ConfigurationChecker.CandidateResult;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.testng.annotations.Test;

/** The configuration choice with a fake checker: first passing, cached per machine, refused when none passes. */
public class EngineConfiguratorTest {

    private static final MachineKey ZEN5 = new MachineKey("AMD EPYC, family 26", "f1", "2.7.1 cpu", 1);

    /** Passes the named configurations and records every call. */
    private static final class FakeChecker implements ConfigurationChecker {
        final Set<String> passing;
        final List<String> calls = new ArrayList<>();

        FakeChecker(String... passing) {
            this.passing = ImmutableSet.copyOf(passing);
        }

        @Override
        public CandidateResult check(EngineConfiguration c) {
            calls.add(c.name());
            boolean ok = passing.contains(c.name());
            return new CandidateResult(c, ok, ok ? "61 of 61 checks correct" : "3 of 61 checks wrong, first: conv2d "
                    + "forward n4 13→5 8×8 k3 s1 p1 g1 (error 3.1e-01)", "");
        }
    }

    private static EngineConfigurator configurator(FakeChecker checker, Path cache, MachineKey key) {
        return builder(checker, cache, key).build();
    }

    private static EngineConfigurator.Builder builder(FakeChecker checker, Path cache, MachineKey key) {
        return EngineConfigurator.builder().optChecker(checker).optCache(new DecisionCache(cache)).optMachineKey(key);
    }

    @Test
    public void choosesTheFirstPassingAndCachesItPerMachine() throws IOException {
        Path cache = Files.createTempDirectory("engine-cache");
        FakeChecker checker = new FakeChecker("sse41", "onednn-off");
        EngineDecision d = configurator(checker, cache, ZEN5).decide();
        assertEquals(d.configuration().name(), "sse41");
        assertEquals(d.configuration().environment(),
                Map.of("ONEDNN_MAX_CPU_ISA", "SSE41", "DJL_PRUNING_ONEDNN", "on"));
        assertEquals(checker.calls, List.of("default", "avx2", "avx", "sse41"));
        assertFalse(d.cached());
        assertTrue(d.line().startsWith("engine: sse41 (ONEDNN_MAX_CPU_ISA=SSE41, DJL_PRUNING_ONEDNN=on): default, "
                + "avx2, avx computed wrong numbers (default: 3 of 61 checks wrong, first: conv2d forward"), d.line());

        FakeChecker second = new FakeChecker("sse41");
        EngineDecision again = configurator(second, cache, ZEN5).decide();
        assertTrue(second.calls.isEmpty(), "a cached decision must not check again: " + second.calls);
        assertTrue(again.cached());
        assertEquals(again.configuration(), d.configuration());
        assertEquals(again.tried().size(), 4);
        assertTrue(again.line().contains("decided earlier for AMD EPYC, family 26"), again.line());

        // another processor or libtorch build is decided anew
        FakeChecker other = new FakeChecker("default", "sse41");
        EngineDecision xeon = configurator(other, cache, new MachineKey("Intel Xeon", "f2", "2.7.1 cpu", 1)).decide();
        assertEquals(xeon.configuration().name(), "default");
        assertEquals(other.calls, List.of("default"));
        assertTrue(xeon.line().contains(": its self-check passed"), xeon.line());

        // asked to, it checks again
        FakeChecker recheck = new FakeChecker("avx");
        EngineDecision re = builder(recheck, cache, ZEN5).optRecheck(true).build().decide();
        assertEquals(re.configuration().name(), "avx");
        assertEquals(recheck.calls, List.of("default", "avx2", "avx"));
    }

    @Test
    public void refusesWhenNothingPassesNamingEachFailure() throws IOException {
        Path cache = Files.createTempDirectory("engine-cache");
        FakeChecker checker = new FakeChecker();
        IllegalStateException e = expectThrows(IllegalStateException.class,
                () -> configurator(checker, cache, ZEN5).decide());
        assertEquals(checker.calls.size(), EngineConfiguration.candidates().size());
        for (EngineConfiguration c : EngineConfiguration.candidates()) {
            assertTrue(e.getMessage().contains(c.name() + ": 3 of 61 checks wrong"), e.getMessage());
        }
        assertTrue(e.getMessage().startsWith("no engine configuration computes correct numbers on AMD EPYC"));
        try (var files = Files.list(cache)) {
            assertEquals(files.count(), 0L, "nothing cached for a refusal");
        }
    }

    @Test
    public void aCachedChoiceOutsideTheCandidatesIsNotUsed() throws IOException {
        Path cache = Files.createTempDirectory("engine-cache");
        configurator(new FakeChecker("sse41"), cache, ZEN5).decide();
        FakeChecker checker = new FakeChecker("default");
        EngineDecision d = builder(checker, cache, ZEN5)
                .optCandidates(ImmutableList.of(EngineConfiguration.oneDnnCap("default", "ALL"))).build().decide();
        assertEquals(d.configuration().name(), "default");
        assertEquals(checker.calls, List.of("default"));
    }

    @Test
    public void aUsersOwnCapEqualToTheCachedChoiceIsNotCheckedAgain() throws IOException {
        Path cache = Files.createTempDirectory("engine-cache");
        configurator(new FakeChecker("sse41"), cache, ZEN5).decide();
        FakeChecker own = new FakeChecker();
        EngineDecision d = builder(own, cache, ZEN5)
                .optCandidates(EngineSetupMain.candidates(Map.of("ONEDNN_MAX_CPU_ISA", "SSE41"))).build().decide();
        assertTrue(own.calls.isEmpty(), own.calls.toString());
        assertEquals(d.configuration().environment().get("ONEDNN_MAX_CPU_ISA"), "SSE41");
        // a different cap of the user's own is checked (and here refused)
        expectThrows(IllegalStateException.class, () -> builder(own, cache, ZEN5)
                .optCandidates(EngineSetupMain.candidates(Map.of("ONEDNN_MAX_CPU_ISA", "ALL"))).build().decide());
        assertEquals(own.calls, List.of("your-environment"));
    }

    @Test
    public void theUsersOwnCapIsTheOnlyCandidate() {
        assertEquals(EngineSetupMain.candidates(Map.of()), EngineConfiguration.candidates());
        List<EngineConfiguration> own = EngineSetupMain.candidates(Map.of("ONEDNN_MAX_CPU_ISA", "AVX2"));
        assertEquals(own, List.of(EngineConfiguration.oneDnnCap("your-environment", "AVX2")));
    }

    @Test
    public void setupRejectsBadArguments() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(EngineSetupMain.run(System.out, e, Map.of(), "--bogus"), 2);
        assertEquals(EngineSetupMain.run(System.out, e, Map.of()), 2);
        assertEquals(EngineSetupMain.run(System.out, e, Map.of(), "--properties"), 2);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("unknown argument --bogus"), text);
        assertTrue(text.contains("--properties needs a file"), text);
    }

    @Test
    public void readsTheFirstProcessorOfCpuinfo() throws IOException {
        Path f = Files.createTempFile("cpuinfo", "");
        Files.writeString(f, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel name\t: AMD EPYC\n"
                + "flags\t\t: fpu avx2\n\nprocessor\t: 1\ncpu family\t: 99\n");
        Map<String, String> info = MachineKey.cpuInfo(f);
        assertEquals(info.get("cpu family"), "26");
        assertEquals(info.get("model name"), "AMD EPYC");
        assertEquals(info.get("flags"), "fpu avx2");
        assertTrue(MachineKey.cpuInfo(f.resolveSibling("missing-cpuinfo")).isEmpty());
    }

    @Test
    public void aWidthAwareDecisionIsKeptApartFromTheGeneralOne() throws IOException {
        Path cache = Files.createTempDirectory("engine-cache");
        configurator(new FakeChecker("sse41"), cache, ZEN5).decide();
        FakeChecker aligned = new FakeChecker("default");
        EngineDecision d = builder(aligned, cache, ZEN5).optChannelMultiple(16).build().decide();
        assertEquals(d.configuration().name(), "default");
        assertEquals(aligned.calls, List.of("default"), "the general decision must not answer for aligned widths");
        assertTrue(d.line().contains("[only for widths that are multiples of 16]"), d.line());
        assertEquals(EngineConfiguration.channelMultiple(Map.of("DJL_PRUNING_WIDTHS", "16")), 16);
        assertEquals(EngineConfiguration.channelMultiple(Map.of()), 1);
        expectThrows(IllegalArgumentException.class,
                () -> EngineConfiguration.channelMultiple(Map.of("DJL_PRUNING_WIDTHS", "sixteen")));
    }
}
