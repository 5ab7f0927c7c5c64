#!/usr/bin/python3
"""Checks a TorchScript file saved by djl-pruning in PyTorch (run with Debian's python3-torch).

    /usr/bin/python3 src-test-resources/check_torchscript_in_pytorch.py runs/torchscript/pruned.pt

Reads FILE and FILE.json (written by `bin/djl-pruning torchscript`): loads the module with
torch.jit.load, runs the JSON's input, compares with the outputs DJL computed, and counts the exact
zeros of every parameter against the number DJL pruned (none may be -0.0). Exits 1 on a mismatch.
"""
import json
import sys

import torch


def main(path):
    expected = json.load(open(path + ".json"))
    module = torch.jit.load(path)
    module.eval()
    x = torch.tensor(expected["input"]).reshape(expected["input_shape"])
    with torch.no_grad():
        y = module(x)
    diff = (y.flatten() - torch.tensor(expected["output"])).abs().max().item()
    print(f"torch {torch.__version__} loaded {path}; max |PyTorch - DJL| output difference {diff:.3g}")
    ok = diff <= 1e-4
    for name, p in module.named_parameters():
        if name not in expected["pruned"]:
            continue
        zeros = (p == 0).sum().item()
        negative = (torch.signbit(p) & (p == 0)).sum().item()
        pruned = expected["pruned"][name]
        good = zeros >= pruned and negative == 0
        ok &= good
        print(f"  {name:24s} {str(tuple(p.shape)):16s} zeros {zeros:6d} (pruned {pruned:6d}, -0.0: {negative})"
              + ("" if good else "  <-- MISMATCH"))
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
