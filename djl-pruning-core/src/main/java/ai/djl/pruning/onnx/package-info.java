/**
 * ONNX models in and out: {@link ai.djl.pruning.onnx.OnnxImporter} reads an ONNX file (protobuf, through
 * classes generated at build time from the project's own schema of the ONNX messages) and builds an
 * equivalent DJL block of the project's {@code nn} types, which the profiler and the structured pruner
 * understand; {@link ai.djl.pruning.onnx.OnnxExporter} writes such a block back as an ONNX file that ONNX
 * Runtime runs.
 */
package ai.djl.pruning.onnx;
