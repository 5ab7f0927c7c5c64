package ai.djl.pruning.unstructured;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.pruning.ParameterSnapshot;
import java.util.Arrays;
import java.util.Map;
import org.testng.annotations.Test;

/** On CPU, one seed gives bit-identical masks, training losses and weights; another seed does not. */
public class ReproducibleTrainingTest {

    /** Initialisation, masks and 30 masked SGD steps from one engine seed. */
    private static Object[] run(int seed) {
        Engine.getInstance().setRandomSeed(seed);
        try (Model model = Model.newInstance("seeded")) {
            model.setBlock(SmallNets.convNet(model.getNDManager()));
            PruningMasks masks = MagnitudePruner.builder().build()
                    .masks(model.getBlock(), SparsityPlan.uniform(PrunableParameters.of(model.getBlock()).keySet(), 0.6));
            float[] losses = SmallNets.train(model, masks, 30);
            return new Object[] {masks, losses, ParameterSnapshot.of(model.getBlock())};
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void sameSeedSameMasksLossesAndWeights() {
        Object[] first = run(21);
        Object[] second = run(21);
        assertEquals(second[0], first[0]);
        float[] a = (float[]) first[1];
        float[] b = (float[]) second[1];
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]), "loss of step " + i);
        }
        ParameterSnapshot.assertBitIdentical((Map<String, float[]>) first[2], (Map<String, float[]>) second[2]);
        Object[] other = run(22);
        assertFalse(other[0].equals(first[0]), "another seed, other initial weights, other masks");
        assertFalse(Arrays.equals((float[]) other[1], a));
    }
}
