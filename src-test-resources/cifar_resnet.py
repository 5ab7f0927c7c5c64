"""The CIFAR ResNets of the pretrained checkpoints in ../shared/models, for the fixture generators.

Yerlan Idelbayev's resnet.py (akamaster/pytorch_resnet_cifar10) re-typed: 3x3 stem, three stages of
BasicBlocks (16, 32, 64 channels), option A shortcuts (subsample, zero-pad channels), average pool, Linear.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


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


def pretrained(depth, checkpoint):
    """A CIFAR ResNet of depth 6n + 2 with a checkpoint's weights (keys may carry 'module.'), in eval mode."""
    n = (depth - 2) // 6
    net = ResNet([n, n, n])
    state = torch.load(checkpoint, map_location="cpu")["state_dict"]
    state = {(k[len("module."):] if k.startswith("module.") else k): v for k, v in state.items()}
    result = net.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys, result
    return net.eval()
