package ai.djl.pruning.structured;

import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.ParameterSnapshot;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.ResidualBlock;
import ai.djl.pruning.unstructured.MagnitudePruner;
import ai.djl.pruning.unstructured.PruningMasks;
import ai.djl.pruning.unstructured.SparsityPlan;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.testng.annotations.Test;

/**
 * Property tests over seeded random architectures (chains, residual blocks with identity or 1×1-conv
 * shortcuts, depthwise and grouped convs, BatchNorm on or off): a random structured plan applied to each
 * must equal the masked original (checked inside {@code apply}) and leave the original bit-identical;
 * random fine-grained sparsities must be achieved exactly.
 */
public class RandomArchitectureTest {

    private static final Shape IN = new Shape(2, 3, 6, 6);
    /**
     * Random plans in the fast suite (each builds, prunes and verifies a network: tens of milliseconds);
     * the fine-grained property, much cheaper, runs ten times as many. -Ddjl.pruning.propertyCases=1000
     * runs more.
     */
    private static final int CASES = Integer.getInteger("djl.pruning.propertyCases", 100);

    /** A random net: a stem, one to four random units, a classifier. */
    private static Block randomNet(Random r) {
        NamedSequentialBlock net = new NamedSequentialBlock();
        int width = 4 + r.nextInt(9);
        net.add("stem", conv(width, 3, 1));
        boolean bn = r.nextBoolean();
        if (bn) {
            net.add("stem_bn", BatchNorm.builder().build());
        }
        net.add("stem_relu", new Relu());
        int units = 1 + r.nextInt(4);
        for (int u = 0; u < units; u++) {
            int kind = r.nextInt(4);
            String name = "u" + u;
            if (kind == 0) { // plain conv
                width = 2 + r.nextInt(11);
                net.add(name, conv(width, 3, 1));
                addNorm(net, name, bn);
            } else if (kind == 1) { // depthwise
                net.add(name, conv(width, 3, width));
                addNorm(net, name, bn);
            } else if (kind == 2 && width % 2 == 0) { // grouped, 2 groups
                int out = 2 * (1 + r.nextInt(5));
                net.add(name, conv(out, 3, 2));
                width = out;
                addNorm(net, name, bn);
            } else { // residual
                int out = r.nextBoolean() ? width : 2 + r.nextInt(11);
                ResidualBlock.Builder b = ResidualBlock.builder().add("conv1", conv(2 + r.nextInt(8), 3, 1));
                if (bn) {
                    b.add("bn1", BatchNorm.builder().build());
                }
                b.add("relu1", new Relu()).add("conv2", conv(out, 3, 1));
                if (bn) {
                    b.add("bn2", BatchNorm.builder().build());
                }
                if (out != width || r.nextInt(3) == 0) {
                    NamedSequentialBlock shortcut = new NamedSequentialBlock().add("0", conv(out, 1, 1));
                    if (bn) {
                        shortcut.add("1", BatchNorm.builder().build());
                    }
                    b.optShortcut("shortcut", shortcut);
                }
                net.add(name, b.optReluAfterAdd(r.nextBoolean()).build());
                width = out;
            }
        }
        return net.add("pool", new GlobalAvgPool2d()).add("fc", Linear.builder().setUnits(3).build());
    }

    private static Block initialisedRandomNet(int seed, Random r, NDManager manager) {
        manager.getEngine().setRandomSeed(seed);
        Block net = randomNet(r);
        net.initialize(manager, DataType.FLOAT32, IN);
        return net;
    }

    private static void addNorm(NamedSequentialBlock net, String name, boolean bn) {
        if (bn) {
            net.add(name + "_bn", BatchNorm.builder().build());
        }
        net.add(name + "_relu", new Relu());
    }

    private static Conv2d conv(int filters, int kernel, int groups) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).optPadding(new Shape(kernel / 2, kernel / 2))
                .optGroups(groups).setFilters(filters).build();
    }

    @Test
    public void randomPlansOnRandomArchitecturesEqualTheMaskedOriginal() {
        String[] criteria = {"l1", "l2", "fpgm", "bn-gamma", "next-input-l2", "random"};
        for (int seed = 0; seed < CASES; seed++) {
            Random r = new Random(seed);
            try (NDManager manager = NDManager.newBaseManager()) {
                Block net = initialisedRandomNet(seed, r, manager);
                ChannelPrunerTest.randomiseBatchNorm(net, manager);
                Map<String, float[]> before = ParameterSnapshot.of(net);
                double ratio = r.nextDouble() * 0.8;
                ChannelPruner pruner = ChannelPruner.builder()
                        .optImportance(Importance.of(criteria[r.nextInt(criteria.length)], seed))
                        .optGlobalRanking(r.nextInt(4) == 0).optRoundTo(r.nextInt(3) == 0 ? 2 : 1).build();
                try {
                    ChannelPruningPlan plan = pruner.plan(net, IN, ratio);
                    pruner.apply(net, plan, manager); // throws if it differs from the masked original
                } catch (RuntimeException e) {
                    throw new AssertionError("seed " + seed + " (ratio " + ratio + "): " + e.getMessage() + "\n"
                            + DependencyGraph.of(net, IN), e);
                }
                ParameterSnapshot.assertBitIdentical(before, ParameterSnapshot.of(net));
            }
        }
    }

    @Test
    public void randomFineGrainedSparsitiesAreAchievedExactly() {
        for (int seed = 0; seed < 10 * CASES; seed++) {
            Random r = new Random(seed);
            try (NDManager manager = NDManager.newBaseManager()) {
                Block net = initialisedRandomNet(seed, r, manager);
                Map<String, Double> sparsities = new LinkedHashMap<>();
                Map<String, Long> sizes = new LinkedHashMap<>();
                for (Pair<String, Parameter> p : net.getParameters()) {
                    if (p.getValue().getType() == Parameter.Type.WEIGHT && p.getValue().getArray().getShape().dimension() > 1) {
                        sparsities.put(p.getKey(), r.nextDouble());
                        sizes.put(p.getKey(), p.getValue().getArray().size());
                    }
                }
                PruningMasks masks = MagnitudePruner.builder().build().masks(net, SparsityPlan.of(sparsities));
                for (Map.Entry<String, Double> e : sparsities.entrySet()) {
                    long n = sizes.get(e.getKey());
                    // Random normal weights have no ties: exactly round(n·s) are pruned.
                    assertEquals(masks.get(e.getKey()).keptCount(), n - Math.round(n * e.getValue()),
                            "seed " + seed + " " + e.getKey());
                }
            }
        }
    }
}
