package ai.djl.pruning.testing;

import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.basicmodelzoo.cv.classification.AlexNet;
import ai.djl.basicmodelzoo.cv.classification.GoogLeNet;
import ai.djl.basicmodelzoo.cv.classification.LeNet;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV1;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV2;
import ai.djl.basicmodelzoo.cv.classification.NiN;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.basicmodelzoo.cv.classification.SqueezeNet;
import ai.djl.basicmodelzoo.cv.classification.VGG;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.google.common.collect.ImmutableList;
import java.util.function.Supplier;

/**
 * The eleven networks of DJL's {@code basicmodelzoo}, as a DJL user builds them, each with a small input
 * shape it accepts (batch 1 for the three largest): what users bring, as opposed to the project's own zoo.
 */
public final class DjlZooNetworks {

    /**
     * One network of DJL's zoo.
     *
     * @param name a short name for reports
     * @param factory builds a fresh, uninitialised block
     * @param inputShape a batch of inputs it accepts
     */
    public record Network(String name, Supplier<Block> factory, Shape inputShape) {
        @Override
        public String toString() {
            return name;
        }
    }

    private DjlZooNetworks() {}

    /** @return all eleven, smallest first */
    public static ImmutableList<Network> all() {
        return ImmutableList.of(
                new Network("Mlp(784,10,[128,64])", () -> new Mlp(784, 10, new int[] {128, 64}), new Shape(2, 784)),
                new Network("LeNet", () -> LeNet.builder().setOutSize(10).build(), new Shape(2, 1, 28, 28)),
                new Network("ResNetV1-18", () -> ResNetV1.builder().setImageShape(new Shape(3, 32, 32)).setNumLayers(18)
                        .setOutSize(10).build(), new Shape(2, 3, 32, 32)),
                new Network("ResNetV1-50", () -> ResNetV1.builder().setImageShape(new Shape(3, 32, 32)).setNumLayers(50)
                        .setOutSize(10).build(), new Shape(1, 3, 32, 32)),
                new Network("MobileNetV1", () -> MobileNetV1.builder().setOutSize(10).build(), new Shape(2, 3, 32, 32)),
                new Network("MobileNetV2", () -> MobileNetV2.builder().setOutSize(10).build(), new Shape(2, 3, 32, 32)),
                new Network("NiN", () -> NiN.builder().build(), new Shape(2, 1, 96, 96)),
                new Network("SqueezeNet", () -> SqueezeNet.squeezenet(10), new Shape(2, 3, 64, 64)),
                new Network("VGG-11", () -> VGG.builder().setNumLayers(11).setOutSize(10).build(),
                        new Shape(1, 1, 32, 32)),
                new Network("AlexNet", () -> AlexNet.builder().setOutSize(10).build(), new Shape(1, 1, 128, 128)),
                new Network("GoogLeNet", () -> GoogLeNet.builder().setOutSize(10).build(), new Shape(2, 1, 96, 96)));
    }
}
