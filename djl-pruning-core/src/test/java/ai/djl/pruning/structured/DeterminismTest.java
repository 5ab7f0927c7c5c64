package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.ParameterSnapshot;
import ai.djl.pruning.analysis.AccuracyEvaluation;
import ai.djl.pruning.analysis.AccuracyResult;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.PrunableParameters;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;
import com.google.common.primitives.Floats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.testng.annotations.Test;

/** Same inputs give the same plans, masks and evaluations, on one thread or two. */
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

    /** A second architecture: conv - BN - ReLU - depthwise conv - BN - ReLU - pool - fc. */
    private static Block chainNet() {
        return new NamedSequentialBlock()
                .add("conv1", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(12).build())
                .add("bn1", BatchNorm.builder().build()).add("relu1", new Relu())
                .add("dw", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(12)
                        .optGroups(12).build())
                .add("bn2", BatchNorm.builder().build()).add("relu2", new Relu())
                .add("pool", new GlobalAvgPool2d()).add("fc", Linear.builder().setUnits(5).build());
    }

    /** Fixed weights for both architectures, drawn once (the engine's generator is global). */
    private static final Map<String, Map<String, float[]>> FIXED = new HashMap<>();

    static {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(12);
            FIXED.put("bottleneck", ParameterSnapshot.of(ChannelPrunerTest.initialisedBottleneck(manager)));
            Block chain = chainNet();
            chain.initialize(manager, DataType.FLOAT32, IN);
            ChannelPrunerTest.randomiseBatchNorm(chain, manager);
            FIXED.put("chain", ParameterSnapshot.of(chain));
        }
    }

    /**
     * Channel-prunes one of the fixed models (FPGM, 40%), masks half of what is left, and evaluates it
     * on fixed data: the plan, the masks, the logits and the accuracy.
     */
    private static List<Object> pruneAndEvaluate(String name) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = name.equals("chain") ? chainNet() : ChannelPrunerTest.bottleneckNet();
            net.initialize(manager, DataType.FLOAT32, IN);
            for (var p : net.getParameters()) {
                NDArray a = p.getValue().getArray();
                ParameterWrites.set(a, new NDIndex("..."), manager.create(FIXED.get(name).get(p.getKey() + a.getShape()),
                        a.getShape()));
            }
            ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.fpgm()).build();
            ChannelPruningPlan plan = pruner.plan(net, IN, 0.4);
            Block pruned = pruner.apply(net, plan, manager);
            PruningMasks masks = MagnitudePruner.builder().build()
                    .masks(pruned, SparsityPlan.uniform(PrunableParameters.of(pruned).keySet(), 0.5));
            masks.apply(pruned);
            Random r = new Random(5);
            float[] images = new float[64 * (int) (IN.size() / IN.get(0))];
            float[] labels = new float[64];
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < labels.length; i++) {
                labels[i] = r.nextInt(5);
            }
            NDArray x = manager.create(images, new Shape(64, IN.get(1), IN.get(2), IN.get(3)));
            ArrayDataset data = new ArrayDataset.Builder().setData(x).optLabels(manager.create(labels))
                    .setSampling(16, false).build();
            AccuracyResult accuracy = AccuracyEvaluation.evaluate(pruned, data);
            float[] logits = pruned.forward(new ParameterStore(manager, false), new NDList(x), false)
                    .singletonOrThrow().toFloatArray();
            return List.of(plan.pruned(), masks, Floats.asList(logits), accuracy);
        }
    }

    @Test
    public void twoModelsPrunedAndEvaluatedOnTwoThreadsEqualOneAfterTheOther() throws Exception {
        List<Object> bottleneck = pruneAndEvaluate("bottleneck");
        List<Object> chain = pruneAndEvaluate("chain");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                Future<List<Object>> a = pool.submit(() -> pruneAndEvaluate("bottleneck"));
                Future<List<Object>> b = pool.submit(() -> pruneAndEvaluate("chain"));
                assertEquals(a.get(), bottleneck); // logits compared exactly, as boxed floats
                assertEquals(b.get(), chain);
            }
        } finally {
            pool.shutdown();
        }
    }
}
