package ai.djl.pruning;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;
import org.testng.Assert;

/** Copies of a block's parameter values, for bit-exact before/after comparisons in tests. */
public final class ParameterSnapshot {

    private ParameterSnapshot() {}

    /**
     * Copies every parameter's values, keyed by path and shape (so a changed shape is a different key).
     *
     * @param block an initialised block
     * @return path+shape to values
     */
    public static Map<String, float[]> of(Block block) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            out.put(p.getKey() + a.getShape(), a.toFloatArray());
        }
        return out;
    }

    /**
     * Asserts that two snapshots hold the same bits (so -0.0 differs from 0.0, and NaN payloads count).
     *
     * @param before the earlier snapshot
     * @param after the later snapshot
     */
    public static void assertBitIdentical(Map<String, float[]> before, Map<String, float[]> after) {
        Assert.assertEquals(after.keySet(), before.keySet());
        before.forEach((k, v) -> {
            float[] a = after.get(k);
            Assert.assertEquals(a.length, v.length, k);
            for (int i = 0; i < v.length; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(v[i])) {
                    throw new AssertionError(k + "[" + i + "]: " + v[i] + " became " + a[i]);
                }
            }
        });
    }
}
