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


# CIFAR ResNet as in Yerlan Idelbayev's resnet.py (akamaster/pytorch_resnet_cifar10), option A shortcuts.
class LambdaLayer(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = LambdaLayer(
                lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4), "constant", 0))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class ResNet(nn.Module):
    def __init__(self, num_blocks, num_classes=10):
        super().__init__()
        self.in_planes = 16
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(16, num_blocks[0], 1)
        self.layer2 = self._make_layer(32, num_blocks[1], 2)
        self.layer3 = self._make_layer(64, num_blocks[2], 2)
        self.linear = nn.Linear(64, num_classes)

    def _make_layer(self, planes, num_blocks, stride):
        layers = []
        for s in [stride] + [1] * (num_blocks - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        # int(): while tracing, size() entries are tensors, which avg_pool2d refuses; the kernel becomes the
        # constant 8 of a 32x32 input, as the original computes for CIFAR images.
        out = F.avg_pool2d(out, int(out.size()[3]))
        out = out.view(out.size(0), -1)
        return self.linear(out)


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
    net = ResNet([3, 3, 3])
    checkpoint = torch.load(RESNET20_CHECKPOINT, map_location="cpu")
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in checkpoint["state_dict"].items()}
    net.load_state_dict(state, strict=True)
    net.eval()
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
