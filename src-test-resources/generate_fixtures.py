#!/usr/bin/python3
"""Generates the small PyTorch fixtures used by the Java tests (run with Debian's python3-torch).

    /usr/bin/python3 src-test-resources/generate_fixtures.py

Writes, next to this script:
  checkpoints/tiny_zip.pt      state dict of TinyNet, zip format, keys prefixed 'module.'
  checkpoints/tiny_legacy.pt   the same state dict, legacy (pre-1.6) format
  checkpoints/tensors_zip.pt   odd tensors: non-contiguous, float64, int64, a storage shared by two views
  checkpoints/tensors_legacy.pt
  checkpoints/tiny_reference.json  input, eval-mode output and the odd tensors' values
"""
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "checkpoints")


class TinyNet(nn.Module):
    """conv(3->4, 3x3, pad 1, no bias) - bn - relu - global mean - fc(4->2)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(x.mean([2, 3]))


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    net = TinyNet()
    with torch.no_grad():
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.uniform_(-0.5, 0.5)
        net.bn.running_mean.uniform_(-0.2, 0.2)
        net.bn.running_var.uniform_(0.5, 2.0)
    net.eval()
    x = torch.randn(2, 3, 5, 5)
    with torch.no_grad():
        y = net(x)
    state = {"module." + k: v for k, v in net.state_dict().items()}
    torch.save({"state_dict": state, "best_prec1": 12.5}, os.path.join(OUT, "tiny_zip.pt"))
    torch.save({"state_dict": state, "best_prec1": 12.5}, os.path.join(OUT, "tiny_legacy.pt"),
               _use_new_zipfile_serialization=False)

    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    shared = torch.arange(10, dtype=torch.float32)
    tensors = {
        "transposed": base.t(),  # non-contiguous: strides (1, 4)
        "doubles": torch.tensor([1.5, -2.25, 3.0], dtype=torch.float64),
        "longs": torch.tensor([[1, -2], [3, 4]], dtype=torch.int64),
        "view_a": shared[2:5],  # two tensors on one storage, with offsets
        "view_b": shared[6:],
    }
    torch.save(tensors, os.path.join(OUT, "tensors_zip.pt"))
    torch.save(tensors, os.path.join(OUT, "tensors_legacy.pt"), _use_new_zipfile_serialization=False)

    reference = {
        "generator": "src-test-resources/generate_fixtures.py, PyTorch " + torch.__version__,
        "input_shape": list(x.shape),
        "input": x.flatten().tolist(),
        "output": y.flatten().tolist(),
        "tensors": {k: {"shape": list(v.shape), "values": v.flatten().tolist()} for k, v in tensors.items()},
    }
    with open(os.path.join(OUT, "tiny_reference.json"), "w") as f:
        json.dump(reference, f, indent=1)


if __name__ == "__main__":
    main()
