/**
 * TorchScript models in DJL: load a {@code torch.jit.trace}/{@code torch.jit.script} file with
 * trainable parameters, list, profile, fine-grained mask and fine-tune it with the project's tools, and
 * save it back as a TorchScript file that PyTorch's {@code torch.jit.load} reads ({@link
 * ai.djl.pruning.torchscript.TorchScriptModels}).
 */
package ai.djl.pruning.torchscript;
