package ai.djl.pruning.engine;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import java.util.List;
import org.testng.annotations.Test;

/** The self-check passes on the engine in force and names an injected fault's operation and shape. */
public class EngineCheckTest {

    private static final String TAIL_SHAPE = "n4 13→5 8×8 k3 s1 p1 g1";

    @Test
    public void passesOnTheConfigurationInForce() {
        EngineCheckResult r = EngineCheck.builder().build().run();
        assertTrue(r.passed(), r.toString());
        // 23 convolution shapes × 3 outputs, linear × 3, batch norm × 2, pooling × 4, SGD × 1
        assertEquals(r.rows().size(), 79);
        assertTrue(r.rows().stream().allMatch(row -> row.maxRelativeError() < 1e-4), r.toString());
        assertEquals(r.summary(), "79 of 79 checks correct");
    }

    @Test
    public void oneChannelPerturbedInOneConvolutionFailsNamingIt() {
        EngineCheckResult r = EngineCheck.builder().optOutputFilter((op, shape, out) -> {
            if (op.equals("conv2d forward") && shape.equals(TAIL_SHAPE)) {
                NDArray copy = out.duplicate();
                copy.set(new NDIndex(":, 3"), copy.get(new NDIndex(":, 3")).mul(1.05f));
                return copy;
            }
            return out;
        }).build().run();
        assertFalse(r.passed());
        List<CheckRow> failures = r.failures();
        assertEquals(failures.size(), 1, r.toString());
        assertEquals(failures.get(0).op(), "conv2d forward");
        assertEquals(failures.get(0).shape(), TAIL_SHAPE);
        // a 5% change of one channel is 5% of that channel's magnitude: visible against the largest output
        assertTrue(failures.get(0).maxRelativeError() > 1e-3 && failures.get(0).maxRelativeError() < 0.05,
                failures.get(0).toString());
        assertTrue(r.summary().startsWith("1 of 79 checks wrong, first: conv2d forward " + TAIL_SHAPE), r.summary());
        assertTrue(r.toString().contains("WRONG"));
    }

    @Test
    public void nanInAGradientIsAnInfiniteError() {
        EngineCheckResult r = EngineCheck.builder().optOutputFilter((op, shape, out) -> {
            if (op.equals("linear weight-grad")) {
                NDArray copy = out.duplicate();
                copy.set(new NDIndex("0, 0"), Float.NaN);
                return copy;
            }
            return out;
        }).build().run();
        assertEquals(r.failures().size(), 1);
        assertEquals(r.failures().get(0).op(), "linear weight-grad");
        assertEquals(r.failures().get(0).maxRelativeError(), Double.POSITIVE_INFINITY);
    }

    @Test
    public void verifyOnceReturnsTheSameResult() {
        EngineCheckResult first = EngineCheck.verifyOnce(EngineCheck.OnFailure.THROW);
        assertTrue(first.passed());
        assertTrue(first == EngineCheck.verifyOnce(EngineCheck.OnFailure.WARN));
    }

    @Test
    public void aChannelMultipleKeepsOnlyAlignedWidths() {
        EngineCheckResult r = EngineCheck.builder().optChannelMultiple(16).build().run();
        assertTrue(r.passed(), r.toString());
        List<String> shapes = r.rows().stream().filter(row -> row.op().equals("conv2d forward")).map(CheckRow::shape)
                .toList();
        assertEquals(shapes, List.of("n4 3→16 8×8 k3 s1 p1 g1", "n4 16→16 8×8 k3 s1 p1 g1", "n4 3→32 8×8 k3 s1 p1 g1",
                "n4 48→16 8×8 k3 s1 p1 g1", "n32 32→48 8×8 k3 s1 p1 g1", "n4 16→32 8×8 k3 s2 p1 g1",
                "n4 32→64 8×8 k1 s2 p0 g1", "n4 32→32 8×8 k3 s1 p1 g32", "n1 48→48 32×32 k3 s1 p1 g1",
                "n1 64→16 32×32 k3 s1 p1 g1", "n4 48→16 8×8 k3 s1 p1 g1", "n4 16→48 8×8 k3 s1 p1 g1"));
    }

    @Test
    public void aChannelMultipleChecksItsOddMultiples() {
        // Multiples of 8 that are not multiples of 16: the shapes the family-26 EPYC's full ISA gets wrong.
        List<String> shapes = EngineCheck.builder().optChannelMultiple(8).build().run().rows().stream()
                .filter(row -> row.op().equals("conv2d forward")).map(CheckRow::shape).toList();
        assertTrue(shapes.containsAll(List.of("n1 24→24 32×32 k3 s1 p1 g1", "n1 32→8 32×32 k3 s1 p1 g1",
                "n4 24→8 8×8 k3 s1 p1 g1", "n4 8→24 8×8 k3 s1 p1 g1")), shapes.toString());
    }

    @Test
    public void aModelsOwnConvolutionsAreChecked() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = new SequentialBlock()
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(5).build())
                    .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).optStride(new Shape(2, 2)).setFilters(13)
                            .build())
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(13)
                            .optGroups(13).build());
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 8, 8));
            EngineCheckResult r = EngineCheck.builder().optConvolutionsOf(net).build().run();
            assertTrue(r.passed(), r.toString());
            assertEquals(r.rows().stream().filter(row -> row.op().equals("conv2d forward")).map(CheckRow::shape).toList(),
                    List.of("n4 3→5 8×8 k3 s1 p1 g1", "n4 5→13 8×8 k1 s2 p0 g1", "n4 13→13 8×8 k3 s1 p1 g13"));
        }
    }
}
