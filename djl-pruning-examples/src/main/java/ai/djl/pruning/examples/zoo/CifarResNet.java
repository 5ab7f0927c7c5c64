package ai.djl.pruning.examples.zoo;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.NamedSequentialBlock;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.ResidualBlock;
import ai.djl.pruning.nn.ZeroPadShortcut;
import com.google.common.base.Preconditions;

/**
 * CIFAR ResNets of He et al. 2016 (section 4.2), exactly as the pretrained checkpoints in
 * {@code ../shared/models} define them: a 3×3 conv 3→16 with BatchNorm and ReLU; three stages of n
 * basic blocks with 16, 32 and 64 channels (stride 2 at the first block of stages 2 and 3); "option A"
 * shortcuts (subsample, then zero-pad channels) where the shape changes; global average pool; Linear
 * 64→10. Depth = 6n + 2.
 *
 * <p>Child names are the PyTorch module names ({@code conv1, bn1, layer1.0.conv1, ..., linear}), so
 * parameter paths map one to one onto the checkpoints' state-dict names.
 */
public final class CifarResNet {

    private CifarResNet() {}

    /**
     * Builds a CIFAR ResNet.
     *
     * @param depth 6n + 2 (20, 32, 44, 56, 110, ...)
     * @param classes number of output classes
     * @return an uninitialised block
     */
    public static Block build(int depth, int classes) {
        Preconditions.checkArgument(
                depth >= 8 && (depth - 2) % 6 == 0, "CIFAR ResNet depth must be 6n+2, got %s", depth);
        int n = (depth - 2) / 6;
        NamedSequentialBlock net = new NamedSequentialBlock()
                .add("conv1", conv3x3(16, 1))
                .add("bn1", BatchNorm.builder().build())
                .add("relu", new Relu());
        int inPlanes = 16;
        int[] planes = {16, 32, 64};
        for (int stage = 0; stage < 3; stage++) {
            NamedSequentialBlock layer = new NamedSequentialBlock();
            for (int i = 0; i < n; i++) {
                int stride = (stage > 0 && i == 0) ? 2 : 1;
                layer.add(String.valueOf(i), basicBlock(inPlanes, planes[stage], stride));
                inPlanes = planes[stage];
            }
            net.add("layer" + (stage + 1), layer);
        }
        return net.add("pool", new GlobalAvgPool2d())
                .add("linear", Linear.builder().setUnits(classes).build());
    }

    /**
     * The basic block: conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU.
     *
     * @param inPlanes input channels
     * @param planes output channels
     * @param stride stride of the first conv
     * @return the block
     */
    static ResidualBlock basicBlock(int inPlanes, int planes, int stride) {
        ResidualBlock.Builder b = ResidualBlock.builder()
                .add("conv1", conv3x3(planes, stride))
                .add("bn1", BatchNorm.builder().build())
                .add("relu1", new Relu())
                .add("conv2", conv3x3(planes, 1))
                .add("bn2", BatchNorm.builder().build());
        if (stride != 1 || inPlanes != planes) {
            // Option A: x[:, :, ::2, ::2] padded with planes/4 zero channels on each side.
            int pad = (planes - inPlanes) / 2;
            b.optShortcut("shortcut", new ZeroPadShortcut(stride, pad, planes - inPlanes - pad));
        }
        return b.optReluAfterAdd(true).build();
    }

    static Conv2d conv3x3(int filters, int stride) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(1, 1))
                .setFilters(filters)
                .optBias(false)
                .build();
    }
}
