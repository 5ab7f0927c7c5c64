package ai.djl.pruning.nn.efficient;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;

/** Convolution helpers shared by the builders of this package. */
final class ConvUnits {

    private ConvUnits() {}

    /** A k×k conv with "same" padding for odd k. */
    static Conv2d conv(int kernel, int filters, int stride, int groups, boolean bias) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(filters)
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .optGroups(groups)
                .optBias(bias)
                .build();
    }

    static Block batchNorm() {
        return BatchNorm.builder().build();
    }
}
