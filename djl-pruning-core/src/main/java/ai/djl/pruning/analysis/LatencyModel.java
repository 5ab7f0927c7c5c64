package ai.djl.pruning.analysis;

/**
 * Predicts how long a layer takes on one runtime, thread count and batch size: what latency-target channel
 * pruning plans with ({@code ChannelPruner.planForLatency}). {@link LatencyTable} is the measured one.
 */
public interface LatencyModel {

    /**
     * The shape of a convolution (a fully connected layer is a 1×1 convolution on a 1×1 input).
     *
     * @param batch the batch size
     * @param in input channels
     * @param out output channels
     * @param height input height
     * @param width input width
     * @param kernel square kernel size
     * @param stride stride
     * @param depthwise whether it is depthwise (one filter per channel; in = out)
     */
    record Conv(int batch, int in, int out, int height, int width, int kernel, int stride, boolean depthwise) {}

    /**
     * @param conv a convolution
     * @return its predicted time, ms
     */
    double conv(Conv conv);

    /**
     * @param elements elements one element-wise operation (ReLU, add) reads
     * @return its predicted time, ms
     */
    double elementwise(long elements);
}
