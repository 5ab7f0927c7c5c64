package ai.djl.pruning.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.training.loss.Loss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.testng.annotations.Test;

public class LotteryTicketTest {

    private static final List<String> WEIGHTS = List.of("01conv1_weight", "04conv2_weight", "08fc_weight");

    /** Every kept weight equals the reference bit for bit, every pruned one is +0.0. */
    private static void assertTicket(Block block, PruningMasks masks, WeightSnapshot reference, String what) {
        masks.masks().forEach((path, m) -> {
            float[] w = TrainingNets.values(block, path);
            float[] ref = reference.values(path);
            for (int i = 0; i < w.length; i++) {
                int expected = m.kept().get(i) ? Float.floatToRawIntBits(ref[i]) : 0;
                assertEquals(Float.floatToRawIntBits(w[i]), expected, what + " " + path + "[" + i + "]");
            }
        });
    }

    private static void assertPrunedZero(Block block, PruningMasks masks, String what) {
        masks.masks().forEach((path, m) -> {
            float[] w = TrainingNets.values(block, path);
            for (int i = m.kept().nextClearBit(0); i < w.length; i = m.kept().nextClearBit(i + 1)) {
                assertEquals(Float.floatToRawIntBits(w[i]), 0, what + " " + path + "[" + i + "] = " + w[i]);
            }
        });
    }

    @Test
    public void impRewindsSurvivorsToExactlyTheta0AndPrunedWeightsStayZero() throws Exception {
        Engine.getInstance().setRandomSeed(5);
        try (Model model = Model.newInstance("imp")) {
            model.setBlock(TrainingNets.convNet(model.getNDManager()));
            Block net = model.getBlock();
            WeightSnapshot theta0 = WeightSnapshot.of(net);
            LotteryTicket imp = LotteryTicket.builder().optRate(0.5).optRounds(3).build();
            List<Integer> checked = new ArrayList<>();
            List<LotteryTicket.Round> rounds = imp.run(model, (m, masks, round, listeners) -> {
                if (round > 0) {
                    assertTicket(net, masks, theta0, "start of round " + round);
                }
                TrainingNets.train(m, Loss.softmaxCrossEntropyLoss(), round == 0 ? null : masks, 15, listeners);
                if (round > 0) {
                    assertPrunedZero(net, masks, "end of round " + round);
                }
                checked.add(round);
            });
            assertEquals(checked, List.of(0, 1, 2, 3));
            assertEquals(rounds.size(), 3);
            int total = WEIGHTS.stream().mapToInt(p -> TrainingNets.values(net, p).length).sum();
            for (LotteryTicket.Round r : rounds) {
                assertEquals(r.sparsity(), imp.sparsityAfter(r.round()), 1.0 / total, "round " + r.round());
            }
            // Each round prunes only survivors.
            for (int i = 1; i < rounds.size(); i++) {
                PruningMasks before = rounds.get(i - 1).masks();
                PruningMasks after = rounds.get(i).masks();
                assertEquals(before.and(after), after);
            }
            // The survivors did train in the last round.
            PruningMasks last = rounds.get(2).masks();
            float[] w = TrainingNets.values(net, "04conv2_weight");
            float[] w0 = theta0.values("04conv2_weight");
            int moved = 0;
            for (int i = 0; i < w.length; i++) {
                moved += last.get("04conv2_weight").kept().get(i) && w[i] != w0[i] ? 1 : 0;
            }
            assertTrue(moved > 0);
        }
    }

    @Test
    public void lateRewindingRestoresThetaK() throws Exception {
        Engine.getInstance().setRandomSeed(6);
        try (Model model = Model.newInstance("late")) {
            model.setBlock(TrainingNets.convNet(model.getNDManager()));
            Block net = model.getBlock();
            WeightSnapshot theta0 = WeightSnapshot.of(net);
            Map<String, WeightSnapshot> seen = new HashMap<>();
            LotteryTicket imp = LotteryTicket.builder().optRate(0.3).optRounds(1).optRewindStep(4).build();
            imp.run(model, (m, masks, round, listeners) -> {
                if (round == 0) {
                    // Train 4 steps, take our own θ_4, then go on: the capture must equal it.
                    TrainingNets.train(m, Loss.softmaxCrossEntropyLoss(), null, 4, listeners);
                    seen.put("theta4", WeightSnapshot.of(net));
                    RewindCapture capture = (RewindCapture) listeners.get(0);
                    assertTrue(capture.snapshot().isEmpty(), "captured before step 4 was done");
                    TrainingNets.train(m, Loss.softmaxCrossEntropyLoss(), null, 6, listeners);
                    assertTrue(capture.snapshot().isPresent());
                } else {
                    assertTicket(net, masks, seen.get("theta4"), "θ_4 rewind");
                    TrainingNets.train(m, Loss.softmaxCrossEntropyLoss(), masks, 5, List.of());
                    assertPrunedZero(net, masks, "after retraining");
                }
            });
            // θ_4 differs from θ₀: the test would not tell them apart otherwise.
            assertTrue(!Arrays.equals(seen.get("theta4").values("04conv2_weight"), theta0.values("04conv2_weight")));
        }
    }

    @Test
    public void signOnlyGivesAlphaWithInitialSignsAndControlsKeepTheMask() {
        Engine.getInstance().setRandomSeed(7);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = TrainingNets.convNet(manager);
            WeightSnapshot theta0 = WeightSnapshot.of(net);
            WeightSnapshot fresh = WeightSnapshot.of(TrainingNets.convNet(manager));
            PruningMasks masks = LotteryTicket.builder().optRate(0.6).build().nextMasks(net, PruningMasks.of(Map.of()));
            for (TicketInit init : TicketInit.values()) {
                LotteryTicket.reset(net, masks, init, theta0, fresh, 11);
                assertPrunedZero(net, masks, init.toString());
                for (String path : WEIGHTS) {
                    float[] w = TrainingNets.values(net, path);
                    float[] w0 = theta0.values(path);
                    float alpha = (float) TicketInit.std(w0);
                    var kept = masks.get(path).kept();
                    List<Float> keptNow = new ArrayList<>();
                    List<Float> kept0 = new ArrayList<>();
                    int negatives = 0;
                    for (int i = kept.nextSetBit(0); i >= 0; i = kept.nextSetBit(i + 1)) {
                        switch (init) {
                            case SIGN_ONLY -> {
                                assertEquals(Math.abs(w[i]), alpha, 0f, path + "[" + i + "]");
                                assertEquals(Math.signum(w[i]), w0[i] < 0 ? -1f : 1f, path + "[" + i + "]");
                            }
                            case RANDOM_SIGNS -> assertEquals(Math.abs(w[i]), alpha, 0f, path + "[" + i + "]");
                            case RANDOM_REINIT -> assertEquals(w[i], fresh.values(path)[i], 0f);
                            case REWIND, SUPERMASK -> assertEquals(w[i], w0[i], 0f);
                            default -> { }
                        }
                        negatives += w[i] < 0 ? 1 : 0;
                        keptNow.add(w[i]);
                        kept0.add(w0[i]);
                    }
                    if (init == TicketInit.SHUFFLED) {
                        keptNow.sort(Float::compare);
                        kept0.sort(Float::compare);
                        assertEquals(keptNow, kept0, "a permutation of the kept initial values");
                    }
                    if (init == TicketInit.RANDOM_SIGNS) {
                        assertTrue(negatives > 0 && negatives < keptNow.size(), path + ": both signs occur");
                    }
                }
                // Parameters without a mask come from the rewind point (fresh ones for reinit).
                WeightSnapshot source = init == TicketInit.RANDOM_REINIT ? fresh : theta0;
                assertEquals(TrainingNets.values(net, "02bn1_gamma"), source.values("02bn1_gamma"));
                assertEquals(TrainingNets.values(net, "08fc_bias"), source.values("08fc_bias"));
            }
        }
    }

    @Test
    public void layerwiseScopePrunesEachTensorByTheRate() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = TrainingNets.convNet(manager);
            LotteryTicket imp = LotteryTicket.builder().optRate(0.25).optScope(LotteryTicket.Scope.LAYERWISE).build();
            PruningMasks r1 = imp.nextMasks(net, PruningMasks.of(Map.of()));
            PruningMasks r2 = imp.nextMasks(net, r1); // the block still holds dense values: survivors only
            for (String path : WEIGHTS) {
                int n = TrainingNets.values(net, path).length;
                long k1 = n - Math.round(0.25 * n);
                assertEquals(r1.get(path).keptCount(), k1, path);
                assertEquals(r2.get(path).keptCount(), k1 - Math.round(0.25 * k1), path);
            }
            assertEquals(r1.and(r2), r2);
        }
    }

    @Test
    public void snapshotIsACopyAndSurvivesAFile() throws Exception {
        try (Model model = Model.newInstance("snap")) {
            model.setBlock(TrainingNets.convNet(model.getNDManager()));
            WeightSnapshot before = WeightSnapshot.of(model.getBlock());
            float[] copy = before.values("04conv2_weight");
            TrainingNets.train(model, Loss.softmaxCrossEntropyLoss(), null, 3, List.of());
            assertEquals(before.values("04conv2_weight"), copy, "training changed the snapshot");
            assertTrue(!Arrays.equals(TrainingNets.values(model.getBlock(), "04conv2_weight"), copy));
            Path file = Files.createTempFile("theta", ".snap");
            before.save(file);
            WeightSnapshot.load(file).restore(model.getBlock());
            assertEquals(TrainingNets.values(model.getBlock(), "04conv2_weight"), copy);
        }
    }

    @Test
    public void badInputIsRefusedAndLeavesTheModelUntouched() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> LotteryTicket.builder().optRate(0));
        assertThrows(IllegalArgumentException.class, () -> LotteryTicket.builder().optRate(1));
        assertThrows(IllegalArgumentException.class, () -> LotteryTicket.builder().optRounds(0));
        assertThrows(IllegalArgumentException.class, () -> LotteryTicket.builder().optRewindStep(-1));
        assertThrows(IllegalArgumentException.class, () -> TicketInit.of("lucky"));
        try (Model model = Model.newInstance("bad"); NDManager other = NDManager.newBaseManager()) {
            model.setBlock(TrainingNets.convNet(model.getNDManager()));
            Block net = model.getBlock();
            WeightSnapshot before = WeightSnapshot.of(net);
            LotteryTicket nothing = LotteryTicket.builder().optPrunable("no-such-layer").build();
            assertThrows(IllegalArgumentException.class, () -> nothing.run(model, (m, masks, round, l) -> {
                throw new AssertionError("trained despite a bad pattern");
            }));
            // Masks of another shape: refused before any write.
            PruningMasks wrong = PruningMasks.of(Map.of("01conv1_weight",
                    new PruningMasks.Mask(new ai.djl.ndarray.types.Shape(2, 2), new java.util.BitSet())));
            assertThrows(IllegalArgumentException.class, () -> LotteryTicket.reset(net, wrong, TicketInit.REWIND,
                    before, null, 0));
            // Reinit without a fresh initialisation.
            PruningMasks masks = LotteryTicket.builder().build().nextMasks(net, PruningMasks.of(Map.of()));
            assertThrows(IllegalArgumentException.class, () -> LotteryTicket.reset(net, masks,
                    TicketInit.RANDOM_REINIT, before, null, 0));
            // A snapshot of another network.
            Block small = new ai.djl.nn.SequentialBlock().add(ai.djl.nn.core.Linear.builder().setUnits(3).build());
            small.initialize(other, ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 5));
            WeightSnapshot foreign = WeightSnapshot.of(small);
            assertThrows(IllegalArgumentException.class, () -> foreign.restore(net));
            before.tensors().keySet().forEach(p -> assertEquals(TrainingNets.values(net, p), before.values(p), p));
        }
    }
}
