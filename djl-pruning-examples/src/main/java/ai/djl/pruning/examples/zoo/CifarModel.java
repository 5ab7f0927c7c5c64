package ai.djl.pruning.examples.zoo;

import ai.djl.nn.Block;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.nn.Parameter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The CIFAR-10 model zoo: each entry builds its network and names its pretrained checkpoint (file name
 * and SHA-256), if one exists.
 */
public enum CifarModel {
    RESNET20(() -> CifarResNet.build(20, 10), "resnet20-12fca82f.th",
            "12fca82f0bebc4135bf1f32f6e3710e61d5108578464b84fd6d7f5c1b04036c8"),
    RESNET32(() -> CifarResNet.build(32, 10), "resnet32-d509ac18.th",
            "d509ac1820d7f25398913559d7e81a13229b1e7adc5648e3bfa5e22dc137f850"),
    RESNET44(() -> CifarResNet.build(44, 10), "resnet44-014dd654.th",
            "014dd6541728a1c700b1642ab640e211dc6eb8ed507d70697458dc8f8a0ae2e4"),
    RESNET56(() -> CifarResNet.build(56, 10), "resnet56-4bfd9763.th",
            "4bfd97631478d6b638d2764fd2baff3edb1d7d82252d54439343b6596b9b5367"),
    RESNET110(() -> CifarResNet.build(110, 10), null, null),
    VGG(() -> LabVgg.build(10), null, null),
    /** Lab 1's VGG with every conv but the last at round(0.7·width): its 30%-channel-pruned shape. */
    VGG_SLIM70(() -> LabVgg.build(LabVgg.narrowedConfig(0.7), 10), null, null),
    /** MobileNetV2 adapted to CIFAR (stride-1 stem and second stage), width multiplier 1. */
    MOBILENETV2(() -> MobileNetV2Cifar.build(1.0, 10), null, null),
    /** The same at width multiplier 0.5. */
    MOBILENETV2_HALF(() -> MobileNetV2Cifar.build(0.5, 10), null, null),
    /** A small network of ghost modules and ShuffleNet units. */
    GHOST_SHUFFLE(() -> GhostShuffleNetCifar.build(10), null, null);

    private final Supplier<Block> factory;
    private final String checkpointFile;
    private final String sha256;

    CifarModel(Supplier<Block> factory, String checkpointFile, String sha256) {
        this.factory = factory;
        this.checkpointFile = checkpointFile;
        this.sha256 = sha256;
    }

    /**
     * Looks a model up by its name ({@code resnet20}, {@code vgg}, ...), case-insensitively.
     *
     * @param name the model name
     * @return the model
     * @throws IllegalArgumentException naming the known models if the name is unknown
     */
    public static CifarModel of(String name) {
        for (CifarModel m : values()) {
            if (m.modelName().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown model '" + name + "'; known models: "
                + Arrays.stream(values()).map(CifarModel::modelName).collect(Collectors.joining(", ")));
    }

    /** @return the lower-case name used on the command line */
    public String modelName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Builds a new, uninitialised network with the initialisation used to train it from scratch
     * (Kaiming-normal conv and linear weights, as the pretrained checkpoints were trained).
     *
     * @return the block
     */
    public Block newBlock() {
        Block block = factory.get();
        block.setInitializer(
                new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2),
                Parameter.Type.WEIGHT);
        return block;
    }

    /** @return the pretrained checkpoint's file name, if the zoo has one */
    public Optional<String> checkpointFile() {
        return Optional.ofNullable(checkpointFile);
    }

    /** @return the pretrained checkpoint's SHA-256, if the zoo has one */
    public Optional<String> checkpointSha256() {
        return Optional.ofNullable(sha256);
    }
}
