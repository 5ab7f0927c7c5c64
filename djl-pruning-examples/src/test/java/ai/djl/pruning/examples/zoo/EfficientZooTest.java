package ai.djl.pruning.examples.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.testng.annotations.Test;

/** The zoo's MobileNetV2-CIFAR and ghost/shuffle networks: exact costs, shapes, channel pruning. */
public class EfficientZooTest {

    private static ModelProfile profile(Model m) {
        ModelProfile p = ModelProfile.of(m.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
        assertTrue(p.macsKnown(), "every block is costed: " + p.unknownLayers());
        return p;
    }

    /** The output shape of a top-level child, by its DJL name. */
    private static Shape output(Model m, String child) {
        Shape[] shapes = {ZooModels.INPUT_SHAPE};
        for (Pair<String, Block> c : m.getBlock().getChildren()) {
            shapes = c.getValue().getOutputShapes(shapes);
            if (c.getKey().equals(child)) {
                return shapes[0];
            }
        }
        throw new AssertionError("no child " + child);
    }

    @Test
    public void mobileNetV2Cifar() {
        try (Model net = ZooModels.newModel(CifarModel.MOBILENETV2)) {
            ModelProfile p = profile(net);
            // = torchvision's mobilenet_v2(num_classes=10): strides change no parameter count
            assertEquals(p.params(), 2_236_682L);
            assertEquals(p.macs(), 87_976_448L);
            // CIFAR strides: 32×32 through the 24-channel stage, then 16, 8 and 4
            assertEquals(output(net, "05stage2"), new Shape(1, 24, 32, 32));
            assertEquals(output(net, "06stage3"), new Shape(1, 32, 16, 16));
            assertEquals(output(net, "13act2"), new Shape(1, 1280, 4, 4));
        }
        try (Model half = ZooModels.newModel(CifarModel.MOBILENETV2_HALF)) {
            ModelProfile p = profile(half);
            assertEquals(p.params(), 700_490L);
            assertEquals(p.macs(), 27_969_024L);
            assertEquals(output(half, "03act1"), new Shape(1, 16, 32, 32));
        }
        assertEquals(MobileNetV2Cifar.divisible(0.5 * 24), 16); // torchvision's _make_divisible(12, 8)
        assertEquals(MobileNetV2Cifar.divisible(0.5 * 160), 80);
    }

    @Test
    public void ghostShuffleNet() {
        try (Model net = ZooModels.newModel(CifarModel.GHOST_SHUFFLE)) {
            ModelProfile p = profile(net);
            assertEquals(p.params(), 41_770L);
            assertEquals(p.macs(), 4_616_704L);
            assertEquals(output(net, "05stage2"), new Shape(1, 96, 16, 16));
            assertEquals(output(net, "06stage3"), new Shape(1, 192, 8, 8));
        }
    }

    @Test
    public void mobileNetV2CifarIsChannelPrunable() {
        try (Model net = ZooModels.newModel(CifarModel.MOBILENETV2_HALF); NDManager manager = NDManager.newBaseManager()) {
            Block block = net.getBlock();
            ChannelPruner pruner = ChannelPruner.builder().build();
            ChannelPruningPlan plan = pruner.plan(block, ZooModels.INPUT_SHAPE, 0.3);
            Block pruned = pruner.apply(block, plan, manager); // verified against the masked original inside
            long before = profile(net).macs();
            long after = ModelProfile.of(pruned, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR).macs();
            assertTrue(after < 0.65 * before, after + " vs " + before);
            // every expanded width of a stage-4 block loses 30%: 6·32 = 192 → 134
            assertEquals(plan.widths().get("07stage4_021_01expand[CONV_OUT]"), new int[] {192, 134});
            NDList y = pruned.forward(new ParameterStore(manager, false),
                    new NDList(manager.randomNormal(ZooModels.INPUT_SHAPE)), false);
            assertEquals(y.singletonOrThrow().getShape(), new Shape(1, 10));
        }
    }
}
