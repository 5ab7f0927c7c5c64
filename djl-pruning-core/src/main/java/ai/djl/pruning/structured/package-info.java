/**
 * Structured (channel) pruning: a {@link DependencyGraph} finds which channel dimensions are coupled,
 * an importance criterion ranks channels, and {@link ChannelPruner} builds a new, narrower block.
 */
package ai.djl.pruning.structured;
