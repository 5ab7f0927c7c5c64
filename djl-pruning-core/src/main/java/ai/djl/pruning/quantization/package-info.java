/**
 * Post-training int8 weight quantization: symmetric, per tensor or per output channel ({@link
 * ai.djl.pruning.quantization.Int8Tensor}: {@code q = clamp(round(w/s), −127, 127)}, {@code s =
 * max|w|/127}), of conv/linear weights ({@link ai.djl.pruning.quantization.WeightQuantizer}); the model
 * runs with dequantized weights in a copy ({@link ai.djl.pruning.quantization.QuantizedWeights}), its
 * size is counted at 8 bits plus scales, and it is stored compactly, composed with pruning, by {@link
 * ai.djl.pruning.quantization.QuantizedParameterFile}.
 */
package ai.djl.pruning.quantization;
