/**
 * Compression by design: the building blocks of the efficient CNNs, built as compositions of the visible
 * block types ({@code NamedSequentialBlock}, {@code ResidualBlock}, DJL {@code ParallelBlock} with a
 * {@code KnownOps} join, grouped and depthwise {@code Conv2d}, {@code Elementwise}, {@code
 * GlobalAvgPool2d}, {@code ChannelShuffle}, {@code Unsqueeze2d}) so that the profiler ({@code
 * ModelProfile}), architecture save/copy ({@code BlockSpec}) and the channel pruner's dependency analysis
 * understand them without special cases:
 *
 * <ul>
 *   <li>{@link ai.djl.pruning.nn.efficient.DepthwiseSeparableConv} (MobileNetV1),
 *   <li>{@link ai.djl.pruning.nn.efficient.InvertedResidual} with linear bottleneck and expansion t
 *       (MobileNetV2, optional squeeze-and-excitation as in MobileNetV3),
 *   <li>{@link ai.djl.pruning.nn.efficient.SqueezeExcitation} with reduction r,
 *   <li>{@link ai.djl.pruning.nn.efficient.Activations}: ReLU6, h-swish, h-sigmoid,
 *   <li>{@link ai.djl.pruning.nn.efficient.GhostModule} with ratio s (GhostNet),
 *   <li>{@link ai.djl.pruning.nn.efficient.ShuffleUnit}: group conv + channel shuffle (ShuffleNet).
 * </ul>
 *
 * <p>Cost conventions (what the closed forms in each class's Javadoc count):
 *
 * <ul>
 *   <li>MACs per image are the profiler's: a conv costs {@code H_out·W_out·k²·C_in/g·C_out}, a fully
 *       connected layer {@code in·out}. Under {@code MacConvention.CONV_LINEAR} nothing else counts, so
 *       the course's closed forms hold exactly: depthwise-separable / standard = 1/N + 1/D_k²; the
 *       homework's inverted bottleneck (c→4c→c, stride 1, H×W) 8HWc² + 36HWc. Bias additions are not
 *       MACs. Under {@code TORCHPROFILE} BatchNorm, pools, the residual add and the SE multiply add one
 *       MAC per output element.
 *   <li>Parameters are the trainable ones: conv and linear weights and biases, BatchNorm γ and β (not its
 *       running statistics). The blocks put a BatchNorm after each conv and then give the convs no bias;
 *       {@code optBatchNorm(false)} builds them without BatchNorm and with conv biases instead. The
 *       homework's "8c² + 45c" for t = 4 is that second form: weights 4c² + 36c + 4c² plus biases 4c + 4c
 *       + c. With BatchNorm instead the same block has 8c² + 36c + 18c = 8c² + 54c.
 * </ul>
 */
package ai.djl.pruning.nn.efficient;
