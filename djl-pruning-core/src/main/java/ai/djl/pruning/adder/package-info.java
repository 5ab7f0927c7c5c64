/**
 * AdderNet (Chen et al., CVPR 2020): {@link ai.djl.pruning.adder.AdderConv2d}, a convolution whose
 * output is the negative L1 distance between input windows and filters (no multiplications), trained
 * with the paper's full-precision weight gradient and HardTanh-clipped input gradient through a
 * stop-gradient construction, and {@link ai.djl.pruning.adder.AdaptiveLearningRate}, the per-layer
 * rate {@code η·√k/‖ΔL(W)‖₂}. The profiler counts its operations by kind ({@link
 * ai.djl.pruning.analysis.OperationCounts}).
 */
package ai.djl.pruning.adder;
