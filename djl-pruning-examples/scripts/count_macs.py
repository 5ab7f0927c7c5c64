#!/usr/bin/python3
"""Independent cross-check of djl-pruning's MAC/parameter counts with PyTorch forward hooks.

    /usr/bin/python3 djl-pruning-examples/scripts/count_macs.py

Builds the CIFAR ResNet-56 (akamaster's definition, option-A shortcuts) and the MIT Lab 1 VGG in
PyTorch, runs one 1x3x32x32 input, and counts
  conv-linear : conv  = |output| / C_out * |W|, linear = |output| / out * |W|
  torchprofile: also BatchNorm, residual add and global mean, one per output element.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Shortcut(nn.Module):
    def __init__(self, planes):
        super().__init__()
        self.planes = planes

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.planes // 4, self.planes // 4))


class Add(nn.Module):
    def forward(self, a, b):
        return a + b


class Block(nn.Module):
    def __init__(self, inp, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = Shortcut(planes) if stride != 1 or inp != planes else nn.Identity()
        self.add = Add()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.add(self.bn2(self.conv2(out)), self.shortcut(x)))


class Mean(nn.Module):
    def forward(self, x):
        return x.mean([2, 3])


class ResNet(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, inp = [], 16
        for i, planes in enumerate((16, 32, 64)):
            for j in range(n):
                layers.append(Block(inp, planes, 2 if i > 0 and j == 0 else 1))
                inp = planes
        self.layers = nn.Sequential(*layers)
        self.mean = Mean()
        self.linear = nn.Linear(64, 10)

    def forward(self, x):
        return self.linear(self.mean(self.layers(F.relu(self.bn1(self.conv1(x))))))


def vgg(cfg):
    layers, inp = [], 3
    for c in cfg:
        if c == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(inp, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
            inp = c
    return nn.Sequential(nn.Sequential(*layers), Mean(), nn.Linear(inp, 10))


def count(model):
    totals = {"conv-linear": 0, "torchprofile": 0}

    def hook(module, inputs, output):
        n = output.numel()
        if isinstance(module, nn.Conv2d):
            macs = n // module.out_channels * module.weight.numel()
            totals["conv-linear"] += macs
            totals["torchprofile"] += macs
        elif isinstance(module, nn.Linear):
            macs = n // module.out_features * module.weight.numel()
            totals["conv-linear"] += macs
            totals["torchprofile"] += macs
        elif isinstance(module, (nn.BatchNorm2d, Add, Mean)):
            totals["torchprofile"] += n

    for m in model.modules():
        m.register_forward_hook(hook)
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    params = sum(p.numel() for p in model.parameters())
    return params, totals


if __name__ == "__main__":
    full = [64, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
    slim = [45, 90, "M", 179, 179, "M", 358, 358, "M", 358, 512, "M"]
    for name, model in (("resnet20", ResNet(3)), ("resnet56", ResNet(9)), ("vgg", vgg(full)),
                        ("vgg-slim70", vgg(slim))):
        params, totals = count(model)
        print(f"{name:11s} params {params:>10,d}  MACs conv-linear {totals['conv-linear']:>12,d}"
              f"  torchprofile {totals['torchprofile']:>12,d}")
