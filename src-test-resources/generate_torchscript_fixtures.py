#!/usr/bin/python3
"""Generates the TorchScript fixtures used by the Java tests (run with Debian's python3-torch).

    /usr/bin/python3 src-test-resources/generate_torchscript_fixtures.py

Writes, next to this script:
  torchscript/tiny_cnn.pt           torch.jit.trace (eval mode) of TinyCnn on a (2, 3, 8, 8) input
  torchscript/tiny_reference.json   a seeded input, the eval-mode output, the state_dict names and shapes
  torchscript/resnet20.pt           torch.jit.trace (eval mode) of the CIFAR ResNet-20 with the pretrained
                                    weights of ../shared/models/resnet20-12fca82f.th (skipped, with a
                                    message, when that file is absent)

The Java tests only read these files; they never run Python.
"""
import json
import os
import sys

import torch

import cifar_resnet
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "torchscript")
SHARED = os.environ.get("DJL_PRUNING_SHARED", os.path.join(HERE, "..", "..", "shared"))
RESNET20_CHECKPOINT = os.path.join(SHARED, "models", "resnet20-12fca82f.th")


def tiny_cnn():
    """conv(3->8) - bn - relu - conv(8->8) - bn - relu - global average - flatten - linear(8->4)."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 4),
    )


def write_tiny():
    torch.manual_seed(0)
    net = tiny_cnn()
    with torch.no_grad():
        for bn in (net[1], net[4]):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
            bn.running_mean.uniform_(-0.2, 0.2)
            bn.running_var.uniform_(0.5, 2.0)
    net.eval()
    example = torch.randn(2, 3, 8, 8)
    traced = torch.jit.trace(net, example)
    traced.save(os.path.join(OUT, "tiny_cnn.pt"))

    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        y = net(x)
        assert torch.allclose(traced(x), y, atol=1e-6), "the trace differs from the module"
    reference = {
        "generator": "src-test-resources/generate_torchscript_fixtures.py, PyTorch " + torch.__version__,
        "input_shape": list(x.shape),
        "input": x.flatten().tolist(),
        "output_shape": list(y.shape),
        "output": y.flatten().tolist(),
        "state_dict": [{"name": k, "shape": list(v.shape)} for k, v in net.state_dict().items()],
        "parameters": [{"name": k, "shape": list(v.shape)} for k, v in net.named_parameters()],
    }
    with open(os.path.join(OUT, "tiny_reference.json"), "w") as f:
        json.dump(reference, f, indent=1)


def write_resnet20():
    if not os.path.isfile(RESNET20_CHECKPOINT):
        print("skipped resnet20.pt: " + RESNET20_CHECKPOINT + " not found (set DJL_PRUNING_SHARED)",
              file=sys.stderr)
        return
    net = cifar_resnet.pretrained(20, RESNET20_CHECKPOINT)
    traced = torch.jit.trace(net, torch.zeros(1, 3, 32, 32))
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.allclose(traced(x), net(x), atol=1e-5), "the trace differs from the module"
    traced.save(os.path.join(OUT, "resnet20.pt"))


def main():
    os.makedirs(OUT, exist_ok=True)
    write_tiny()
    write_resnet20()


if __name__ == "__main__":
    main()
