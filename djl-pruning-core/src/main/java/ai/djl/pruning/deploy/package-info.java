/**
 * Turning a trained (pruned) block into the model that serves: BatchNorm folded into the convolution before
 * it, and the engine it runs fastest on measured, not assumed.
 */
package ai.djl.pruning.deploy;
