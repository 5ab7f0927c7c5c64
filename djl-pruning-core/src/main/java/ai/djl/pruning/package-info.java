/**
 * djl-pruning: model compression for Deep Java Library.
 *
 * <p>Packages by concept: {@code io} (PyTorch checkpoint import), {@code nn} (blocks whose structure
 * later analyses can read), and, as they arrive, analysis, unstructured, structured and distillation.
 */
package ai.djl.pruning;
