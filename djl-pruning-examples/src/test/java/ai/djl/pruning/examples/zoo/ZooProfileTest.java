package ai.djl.pruning.examples.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import java.util.List;
import org.testng.annotations.Test;

/** Exact cost figures of the zoo, as the MIT lab and common profilers report them. */
public class ZooProfileTest {

    @Test
    public void labVgg() {
        try (Model vgg = ZooModels.newModel(CifarModel.VGG)) {
            ModelProfile convLinear = ModelProfile.of(vgg.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            ModelProfile torchprofile = ModelProfile.of(vgg.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.TORCHPROFILE);
            assertEquals(convLinear.params(), 9_228_362L);
            assertEquals(convLinear.macs(), 605_754_368L);
            assertEquals(torchprofile.macs(), 606_164_480L);
            assertTrue(convLinear.unknownLayers().isEmpty());
            assertEquals(convLinear.sizeBytes(32), 9_228_362L * 4);
        }
    }

    @Test
    public void labVggWith30PercentOfChannelsCut() {
        assertEquals(LabVgg.narrowedConfig(0.7), List.of(45, 90, -1, 179, 179, -1, 358, 358, -1, 358, 512, -1));
        try (Model slim = ZooModels.newModel(CifarModel.VGG_SLIM70)) {
            ModelProfile convLinear = ModelProfile.of(slim.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            assertEquals(convLinear.params(), 5_013_666L);
            assertEquals(convLinear.macs(), 305_097_920L);
            assertEquals(ModelProfile.of(slim.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.TORCHPROFILE).macs(),
                    305_388_064L);
        }
    }

    @Test
    public void cifarResNet56() {
        try (Model net = ZooModels.newModel(CifarModel.RESNET56)) {
            ModelProfile convLinear = ModelProfile.of(net.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.CONV_LINEAR);
            ModelProfile torchprofile = ModelProfile.of(net.getBlock(), ZooModels.INPUT_SHAPE, MacConvention.TORCHPROFILE);
            assertTrue(convLinear.unknownLayers().isEmpty());
            assertEquals(convLinear.params(), 853_018L);
            // 125,485,696: the "125.5 M" of thop-style conv/linear counting (cross-checked with PyTorch
            // forward hooks in djl-pruning-examples/scripts/count_macs.py).
            assertEquals(convLinear.macs(), 125_485_696L);
            // torchprofile also counts BN (55 layers), the 27 residual adds and the global mean.
            assertEquals(torchprofile.macs() - convLinear.macs(),
                    bnOutputs(9) + addOutputs(9) + 64);
        }
    }

    /** Output elements of the 6n+1 BatchNorms of a CIFAR ResNet with n blocks per stage. */
    private static long bnOutputs(int n) {
        return 16L * 32 * 32 + 2L * n * (16L * 32 * 32 + 32L * 16 * 16 + 64L * 8 * 8);
    }

    /** Output elements of the 3n residual additions. */
    private static long addOutputs(int n) {
        return n * (16L * 32 * 32 + 32L * 16 * 16 + 64L * 8 * 8);
    }
}
