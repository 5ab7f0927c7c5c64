"""Latency of the CIFAR models in PyTorch eager (Debian's python3-torch 1.13), for comparison with the DJL runtimes.

Measured as the Java side measures (LatencyComparison): the candidates interleaved in rounds, each round a warm-up
and then timed passes, the median of the round medians with the lowest and highest round median. BatchNorm is folded
into the convolutions (torch.nn.utils.fusion.fuse_conv_bn_eval), as in the deployment model. Weights are random:
latency does not depend on them.

Usage: /usr/bin/python3 djl-pruning-examples/scripts/pytorch_eager_latency.py [--rounds 5] [--reps 20] [--threads 2]
"""
import argparse
import platform
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """A CIFAR ResNet basic block with option-A shortcut, widths free (as a pruned model has them)."""

    def __init__(self, cin, mid, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, mid, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.pad = stride, cout - cin

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        s = x[:, :, ::2, ::2] if self.stride != 1 else x
        if self.pad:
            s = F.pad(s, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(out + s)


class ResNet(nn.Module):
    def __init__(self, depth, stages, inner):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, stages[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stages[0])
        layers, cin = [], stages[0]
        for i, (w, mid) in enumerate(zip(stages, inner)):
            for j in range(n):
                layers.append(Block(cin, mid, w, 2 if i > 0 and j == 0 else 1))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(cin, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layers(x)
        return self.linear(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def vgg(widths):
    layers, cin = [], 3
    for i, w in enumerate(widths):
        layers += [nn.Conv2d(cin, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
        if i % 2 == 1:
            layers.append(nn.MaxPool2d(2))
        cin = w

    class Vgg(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = nn.Sequential(*layers)
            self.classifier = nn.Linear(cin, 10)

        def forward(self, x):
            return self.classifier(self.backbone(x).mean([2, 3]))

    return Vgg()


def fold(module):
    """Folds every BatchNorm that follows a Conv2d in the same module into it (eval mode)."""
    names = list(module._modules)
    for a, b in zip(names, names[1:]):
        conv, bn = module._modules[a], module._modules[b]
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            module._modules[a] = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
            module._modules[b] = nn.Identity()
    for child in module.children():
        fold(child)
    return module


def timed(model, x, reps):
    """Median wall time of reps passes, ms."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        model(x)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batches", default="1,32")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    candidates = {
        "resnet56": ResNet(56, [16, 32, 64], [16, 32, 64]),
        "resnet56 all 16 (L1 --round-to 16)": ResNet(56, [16, 16, 16], [16, 16, 16]),
        "vgg": vgg([64, 128, 256, 256, 512, 512, 512, 512]),
        "vgg L1 --round-to 16": vgg([48, 96, 176, 176, 352, 352, 352, 352]),
    }
    models = {k: fold(m.eval()) for k, m in candidates.items()}
    # The same networks with channels-last (NHWC) weights and input: the layout oneDNN computes in.
    for k in list(models):
        models[k + ", channels-last"] = fold(candidates[k].eval()).to(memory_format=torch.channels_last)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"PyTorch {torch.__version__} eager, {torch.get_num_threads()} threads, {cpu}, "
          f"mkldnn {torch.backends.mkldnn.is_available()}, BatchNorm folded; rounds {a.rounds} x {a.reps} passes")
    print("| model | batch | latency (ms) |\n|---|---:|---:|")
    with torch.no_grad():
        for batch in [int(b) for b in a.batches.split(",")]:
            x = torch.randn(batch, 3, 32, 32)
            inputs = {k: x.to(memory_format=torch.channels_last) if "channels-last" in k else x for k in models}
            rounds = {k: [] for k in models}
            for _ in range(a.rounds):
                for k, m in models.items():
                    timed(m, inputs[k], max(2, a.reps // 5))  # warm-up
                    rounds[k].append(timed(m, inputs[k], a.reps))
            for k, r in rounds.items():
                print(f"| {k} | {batch} | {statistics.median(r):.3f} ms [{min(r):.3f}–{max(r):.3f}] |")


if __name__ == "__main__":
    main()
