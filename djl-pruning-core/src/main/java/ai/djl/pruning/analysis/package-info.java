/** Measuring a model: accuracy now; parameters, MACs, size and latency as they arrive. */
package ai.djl.pruning.analysis;
