/**
 * Fine-grained (element-wise) pruning: choose per-tensor sparsities ({@link SparsityPlan}), compute
 * magnitude masks ({@link MagnitudePruner} → {@link PruningMasks}), apply them, hold them during DJL
 * training ({@link MaskedOptimizer}), scan sensitivity and allocate sparsity to a size budget.
 */
package ai.djl.pruning.unstructured;
