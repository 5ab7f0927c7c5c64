package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.ParameterSnapshot;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.testng.annotations.Test;

/** Same inputs give the same plans, on one thread or two; bad weights are refused. */
public class DeterminismTest {

    private static final Shape IN = ChannelPrunerTest.IN;

    /** The weights every run starts from: drawn once, since the engine's random generator is global. */
    private static final Map<String, float[]> WEIGHTS;

    static {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            WEIGHTS = ParameterSnapshot.of(ChannelPrunerTest.initialisedBottleneck(manager));
        }
    }

    /** Plans and prunes a fresh copy of the fixed bottleneck; returns the pruned set and an output. */
    private static Object[] pruneOnce(String criterion) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.bottleneckNet();
            net.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, IN);
            for (var p : net.getParameters()) {
                NDArray a = p.getValue().getArray();
                ParameterWrites.set(a, new NDIndex("..."),
                        manager.create(WEIGHTS.get(p.getKey() + a.getShape()), a.getShape()));
            }
            ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.of(criterion, 5)).build();
            ChannelPruningPlan plan = pruner.plan(net, IN, 0.4);
            Block pruned = pruner.apply(net, plan, manager);
            NDList x = new NDList(manager.ones(IN));
            float[] y = pruned.forward(new ParameterStore(manager, false), x, false).singletonOrThrow().toFloatArray();
            return new Object[] {plan.pruned(), y};
        }
    }

    @Test
    public void plansAndOutputsAreReproducibleAcrossRunsAndThreads() throws Exception {
        for (String criterion : List.of("l1", "fpgm", "random")) {
            Object[] first = pruneOnce(criterion);
            Object[] second = pruneOnce(criterion);
            assertEquals(second[0], first[0], criterion);
            assertEquals((float[]) second[1], (float[]) first[1], 0f, criterion);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Object[]>> runs = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    runs.add(pool.submit(() -> pruneOnce(criterion)));
                }
                for (Future<Object[]> f : runs) {
                    Object[] r = f.get();
                    assertEquals(r[0], first[0], criterion + " on two threads");
                    assertEquals((float[]) r[1], (float[]) first[1], 0f, criterion + " on two threads");
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    public void nonFiniteWeightsAreRefusedAndTheModelIsUntouched() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.initialisedBottleneck(manager);
            Parameter w = net.getParameters().get(0).getValue();
            w.getArray().set(new NDIndex("0, 0, 0, 0"), Float.NaN);
            Map<String, float[]> before = ParameterSnapshot.of(net);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> ChannelPruner.builder().optImportance(Importance.l2()).build().plan(net, IN, 0.5));
            assertTrue(e.getMessage().contains("non-finite score"), e.getMessage());
            ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net));
        }
    }
}
