package ai.djl.pruning.examples.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.analysis.ParameterCounts;
import ai.djl.pruning.structured.ChannelPruner;
import ai.djl.pruning.structured.ChannelPruningPlan;
import ai.djl.pruning.structured.Importance;
import ai.djl.nn.Block;
import ai.djl.pruning.examples.SharedData;
import org.testng.annotations.Test;

/** Channel pruning of the zoo: exact Lab 1 figures, and ResNets with option-A shortcuts. */
public class StructuredZooTest {

    @Test
    public void labVggWithEveryConvButTheLastPruned30Percent() {
        try (Model vgg = ZooModels.newModel(CifarModel.VGG); NDManager manager = NDManager.newBaseManager()) {
            ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.l2()).optProtect("classifier").build();
            ChannelPruningPlan plan = pruner.plan(vgg.getBlock(), ZooModels.INPUT_SHAPE, 0.3);
            Block pruned = pruner.apply(vgg.getBlock(), plan, manager);
            ModelProfile p = ModelProfile.of(pruned, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            assertEquals(p.params(), 5_013_666L);
            assertEquals(p.macs(), 305_097_920L);
            assertEquals(ModelProfile.of(pruned, ZooModels.INPUT_SHAPE, MacConvention.TORCHPROFILE).macs(), 305_388_064L);
            assertEquals(ParameterCounts.trainable(vgg.getBlock()), 9_228_362L); // the original keeps its width
        }
    }

    @Test
    public void resnetsWithOptionAShortcutsEqualTheMaskedOriginal() {
        for (CifarModel m : new CifarModel[] {CifarModel.RESNET20, CifarModel.RESNET56}) {
            try (Model net = ZooModels.newModel(m); NDManager manager = NDManager.newBaseManager()) {
                ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.l1()).build();
                ChannelPruningPlan plan = pruner.plan(net.getBlock(), ZooModels.INPUT_SHAPE, 0.4);
                Block pruned = pruner.apply(net.getBlock(), plan, manager); // throws if outputs differ
                // A block's first conv is a group of its own: 16/32/64 filters keep 16 − round(6.4) = 10, 19, 38.
                assertEquals(plan.widths().get("04layer1_010_01conv1[CONV_OUT]"), new int[] {16, 10});
                assertEquals(plan.widths().get("05layer2_010_01conv1[CONV_OUT]"), new int[] {32, 19});
                assertEquals(plan.widths().get("06layer3_010_01conv1[CONV_OUT]"), new int[] {64, 38});
                // The residual stream of all three stages is one coupled group of 16 + 16 + 32 channels
                // (option A pads half of each stage's channels): 26 of its 64 channels go.
                int[] stem = plan.widths().get("01conv1[CONV_OUT]");
                int[] stage2 = plan.widths().get("05layer2_010_04conv2[CONV_OUT]");
                int[] stage3 = plan.widths().get("06layer3_010_04conv2[CONV_OUT]");
                assertEquals((stem[0] - stem[1]) + (stage2[0] - stage2[1] - (stem[0] - stem[1]))
                        + (stage3[0] - stage3[1] - (stage2[0] - stage2[1])), 26);
                long before = ModelProfile.of(net.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR).macs();
                long after = ModelProfile.of(pruned, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR).macs();
                assertTrue(after < before, m + ": " + after + " vs " + before);
            }
        }
    }

    @Test
    public void roundingGivesEveryLayerWidthAMultipleEvenAcrossOptionAStages() throws Exception {
        try (Model net = ZooModels.newModel(CifarModel.RESNET20); NDManager manager = NDManager.newBaseManager()) {
            assertRoundedWidths(net, manager);
        }
    }

    @Test
    public void roundingKeepsTheWholeFirstStageOfThePretrainedResNet56() throws Exception {
        // With these weights, rounding a later stage's width down once took a channel of the untouched first stage
        // (leaving it 15 wide); random weights did not show it.
        SharedData.require("models/resnet56-4bfd9763.th");
        try (Model net = ZooModels.load(CifarModel.RESNET56, null); NDManager manager = NDManager.newBaseManager()) {
            assertRoundedWidths(net, manager);
        }
    }

    private static void assertRoundedWidths(Model net, NDManager manager) {
        for (int n : new int[] {8, 16}) {
            ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.l1()).optRoundTo(n).build();
            ChannelPruningPlan plan = pruner.planForMacs(net.getBlock(), ZooModels.INPUT_SHAPE, 0.5, manager);
            // Every sliced dimension, the stage widths (sums of the coupled residual group's parts) included.
            plan.widths().forEach((dim, w) -> assertTrue(w[1] % n == 0 || w[1] == w[0],
                    n + ": " + dim + " keeps " + w[1] + " of " + w[0]));
            Block pruned = pruner.apply(net.getBlock(), plan, manager); // verified against the masked original
            long before = ModelProfile.of(net.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR).macs();
            long after = ModelProfile.of(pruned, ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR).macs();
            assertTrue(after <= 0.5 * before, n + ": " + after + " vs " + before);
        }
    }

    @Test
    public void sortingResNet56KeepsItsTestAccuracy() throws Exception {
        ai.djl.pruning.examples.SharedData.require("models/resnet56-4bfd9763.th");
        ai.djl.pruning.examples.SharedData.require("cifar10/test_batch.bin");
        var test = ai.djl.pruning.examples.data.Cifar10.builder()
                .optUsage(ai.djl.pruning.examples.data.Cifar10.Usage.TEST).setSampling(250, false).build();
        try (Model net = ZooModels.load(CifarModel.RESNET56, null); NDManager manager = NDManager.newBaseManager()) {
            Block sorted = ai.djl.pruning.structured.ChannelSorter.builder().build()
                    .sort(net.getBlock(), ZooModels.INPUT_SHAPE, manager);
            var accuracy = ai.djl.pruning.analysis.AccuracyEvaluation.evaluate(sorted, test);
            assertEquals(accuracy.correct(), 9339L);
        }
    }
}
