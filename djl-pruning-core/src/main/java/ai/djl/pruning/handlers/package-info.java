/**
 * The built-in {@link ai.djl.pruning.nn.BlockHandler}s: for each layer type the toolkit understands, its
 * spec, channel mapping and narrowing, cost and ONNX form in one class. Found through {@code
 * META-INF/services}; nothing in the library imports this package, so it may depend on every capability
 * package it serves.
 */
package ai.djl.pruning.handlers;
