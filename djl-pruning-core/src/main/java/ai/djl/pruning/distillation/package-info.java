/**
 * Distillation adapters for DJL training: a frozen teacher beside the student in one block ({@link
 * ai.djl.pruning.distillation.DistillationBlock}), Hinton's logit loss ({@link
 * ai.djl.pruning.distillation.KnowledgeDistillationLoss}) and Heo et al.'s feature loss ({@link
 * ai.djl.pruning.distillation.FeatureDistillationLoss}, {@link ai.djl.pruning.distillation.BatchNormMargin}).
 */
package ai.djl.pruning.distillation;
