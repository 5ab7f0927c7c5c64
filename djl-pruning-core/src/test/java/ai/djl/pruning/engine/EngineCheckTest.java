package ai.djl.pruning.engine;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import org.testng.annotations.Test;

/** The self-check passes on the engine in force and names an injected fault's operation and shape. */
public class EngineCheckTest {

    private static final String TAIL_SHAPE = "n4 13→5 8×8 k3 s1 p1 g1";

    @Test
    public void passesOnTheConfigurationInForce() {
        EngineCheckResult r = EngineCheck.builder().build().run();
        assertTrue(r.passed(), r.toString());
        // 17 convolution shapes × 3 outputs, linear × 3, batch norm × 2, pooling × 4, SGD × 1
        assertEquals(r.rows().size(), 61);
        assertTrue(r.rows().stream().allMatch(row -> row.maxRelativeError() < 1e-4), r.toString());
        assertEquals(r.summary(), "61 of 61 checks correct");
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
        assertTrue(r.summary().startsWith("1 of 61 checks wrong, first: conv2d forward " + TAIL_SHAPE), r.summary());
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
}
