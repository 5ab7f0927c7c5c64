/**
 * Blocks whose structure can be read by later analyses: named sequences, residual joins with explicit
 * shortcuts, and parameter-free layers as their own types instead of opaque lambdas.
 */
package ai.djl.pruning.nn;
