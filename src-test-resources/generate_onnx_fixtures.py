#!/usr/bin/python3
"""Generates the ONNX fixtures used by the Java tests (run with Debian's python3-torch and python3-onnx).

    /usr/bin/python3 src-test-resources/generate_onnx_fixtures.py

Writes, into onnx/ next to this script:
  onnx/chain.onnx        conv-bn-relu / grouped conv-bn-relu6 / depthwise conv-bn-hardswish / maxpool /
                         avgpool / 1x1 conv + bias - sigmoid / global average pool / flatten / linear
                         (torch.onnx.export, opset 14, eval mode, BN folded into the convs by the exporter)
  onnx/branches.onnx     stem conv-bn-relu, two-branch concat, swish gate (x * sigmoid(x)), identity residual,
                         downsampling residual with the CIFAR-ResNet "option A" zero-pad shortcut, GAP, linear
  onnx/resnet20.onnx     Yerlan Idelbayev's CIFAR ResNet-20 with the pretrained weights of
                         /work/shared/models/resnet20-12fca82f.th (verified against
                         /work/shared/reference/resnet20_logits_genuine_test_0-63.json)
  onnx/unsupported.onnx  built with onnx.helper: Conv "conv_0" -> Erf "erf_node" -> LRN "lrn_node"
  onnx/truncated.onnx    the first half of the bytes of chain.onnx
  onnx/not_onnx.onnx     "this is not an ONNX model\\n" repeated 5 times
  onnx/reference.json    for chain, branches, resnet20: a batch-2 input (torch.randn, seed 1), the PyTorch
                         eval-mode output on it, the initializer count and the distinct node op types

The script is deterministic (fixed seeds); running it twice gives identical bytes. It also checks every
exported graph with onnx.checker and with a small numpy/torch interpreter of the ONNX ops used here (there is
no onnxruntime), against the PyTorch outputs and, for ResNet-20, against the shared reference logits.
"""
import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

import cifar_resnet

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "onnx")

CHECKPOINT = "/work/shared/models/resnet20-12fca82f.th"
CIFAR_TEST = "/work/shared/cifar10/test_batch.bin"
REFERENCE_LOGITS = "/work/shared/reference/resnet20_logits_genuine_test_0-63.json"


# ---------------------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------------------

class Chain(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1, groups=2, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU6(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8, bias=False),
            nn.BatchNorm2d(8),
            nn.Hardswish(),
            nn.MaxPool2d(2),
            nn.AvgPool2d(2),
            nn.Conv2d(8, 12, 1, bias=True),
            nn.Sigmoid(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(12, 4),
        )

    def forward(self, x):
        return self.features(x)


class Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem_conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.branch_a = nn.Conv2d(8, 4, 1, bias=True)
        self.branch_b = nn.Conv2d(8, 6, 3, padding=1, bias=True)
        self.res_conv = nn.Conv2d(10, 10, 3, padding=1, bias=False)
        self.res_bn = nn.BatchNorm2d(10)
        self.down_conv = nn.Conv2d(10, 14, 3, stride=2, padding=1, bias=False)
        self.down_bn = nn.BatchNorm2d(14)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(14, 5)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem_conv(x)))
        y = torch.cat([self.branch_a(x), self.branch_b(x)], dim=1)
        y = F.relu(y)
        y = y * torch.sigmoid(y)
        z = F.relu(self.res_bn(self.res_conv(y)) + y)
        r = self.down_bn(self.down_conv(z))
        s = F.pad(z[:, :, ::2, ::2], (0, 0, 0, 0, 2, 2))
        w = F.relu(r + s)
        return self.fc(self.flatten(self.pool(w)))



# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------

def randomise_batchnorms(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)


def export(model, input_shape, path):
    model.eval()
    dummy = torch.zeros(*input_shape)
    torch.onnx.export(
        model, dummy, path,
        opset_version=14,
        do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
    )
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m


def describe(model):
    """Prints the nodes of an ONNX graph in order, with constant inputs resolved."""
    g = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    print("  initializers (%d):" % len(inits))
    for name, arr in inits.items():
        small = arr.size <= 8
        print("    %s %s %s%s" % (name, list(arr.shape), arr.dtype, (" = " + str(arr.tolist())) if small else ""))
    print("  nodes (%d):" % len(g.node))
    for n in g.node:
        attrs = {}
        for a in n.attribute:
            v = helper.get_attribute_value(a)
            if isinstance(v, TensorProto):
                v = "tensor%s=%s" % (list(v.dims), numpy_helper.to_array(v).tolist())
            elif isinstance(v, bytes):
                v = v.decode()
            attrs[a.name] = v
        print("    %s %s in=%s out=%s %s" % (n.op_type, n.name, list(n.input), list(n.output), attrs))
    print("  op types:", sorted({n.op_type for n in g.node}))


def run_onnx(model, x):
    """A small reference interpreter (numpy + torch.nn.functional) for the ops these fixtures use.

    There is no onnxruntime here, so this checks that the exported graphs compute what PyTorch computes.
    """
    g = model.graph
    env = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    env[g.input[0].name] = x
    env[""] = None
    for n in g.node:
        a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
        ins = [env[i] for i in n.input]
        t = n.op_type
        if t == "Constant":
            out = numpy_helper.to_array(a["value"])
        elif t == "ConstantOfShape":
            v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            out = np.full(tuple(ins[0]), v[0], dtype=v.dtype)
        elif t == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            xp = np.pad(ins[0], [(0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])])
            bias = None if len(ins) < 3 or ins[2] is None else torch.tensor(ins[2])
            out = F.conv2d(torch.from_numpy(xp), torch.tensor(ins[1]), bias,
                           stride=a.get("strides", [1, 1]), dilation=a.get("dilations", [1, 1]),
                           groups=a.get("group", 1)).numpy()
        elif t in ("MaxPool", "AveragePool"):
            assert not any(a.get("pads", [0])), "pool pads not supported"
            f = F.max_pool2d if t == "MaxPool" else F.avg_pool2d
            out = f(torch.from_numpy(ins[0]), a["kernel_shape"], a.get("strides", a["kernel_shape"]),
                    ceil_mode=bool(a.get("ceil_mode", 0))).numpy()
        elif t == "GlobalAveragePool":
            out = ins[0].mean(axis=(2, 3), keepdims=True)
        elif t == "Relu":
            out = np.maximum(ins[0], 0)
        elif t == "Clip":
            out = np.clip(ins[0], ins[1], ins[2])
        elif t == "HardSwish":
            out = ins[0] * np.clip(ins[0] / 6 + 0.5, 0, 1)
        elif t == "Sigmoid":
            out = torch.sigmoid(torch.from_numpy(ins[0])).numpy()
        elif t == "Add":
            out = ins[0] + ins[1]
        elif t == "Mul":
            out = ins[0] * ins[1]
        elif t == "Concat":
            out = np.concatenate(ins, axis=a["axis"])
        elif t == "Flatten":
            ax = a.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif t == "Gemm":
            A = ins[0].T if a.get("transA", 0) else ins[0]
            B = ins[1].T if a.get("transB", 0) else ins[1]
            out = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                out = out + a.get("beta", 1.0) * ins[2]
        elif t == "Shape":
            out = np.array(ins[0].shape, dtype=np.int64)
        elif t == "Gather":
            out = np.take(ins[0], ins[1], axis=a.get("axis", 0))
        elif t == "Unsqueeze":
            out = ins[0]
            for ax in sorted(int(v) for v in ins[1]):
                out = np.expand_dims(out, ax)
        elif t == "Reshape":
            shape = [int(d) for d in ins[1]]
            if not a.get("allowzero", 0):
                shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
            out = ins[0].reshape(shape)
        elif t == "Transpose":
            out = np.transpose(ins[0], a.get("perm"))
        elif t == "Cast":
            out = ins[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])
        elif t == "Slice":
            data = ins[0]
            starts, ends = ins[1], ins[2]
            axes = ins[3] if len(ins) > 3 and ins[3] is not None else np.arange(len(starts))
            steps = ins[4] if len(ins) > 4 and ins[4] is not None else np.ones(len(starts), np.int64)
            idx = [slice(None)] * data.ndim
            for st, en, ax, sp in zip(starts, ends, axes, steps):
                ax, dim, st, en, sp = int(ax) % data.ndim, data.shape[int(ax)], int(st), int(en), int(sp)
                st = st + dim if st < 0 else st
                en = en + dim if en < 0 else en
                if sp > 0:
                    st, en = min(max(st, 0), dim), min(max(en, 0), dim)
                else:
                    st, en = min(max(st, 0), dim - 1), min(max(en, -1), dim - 1)
                idx[ax] = slice(st, None if en < 0 else en, sp)
            out = data[tuple(idx)]
        elif t == "Pad":
            assert a.get("mode", b"constant") in (b"constant", "constant")
            pads = [int(p) for p in ins[1]]
            r = ins[0].ndim
            value = 0.0 if len(ins) < 3 or ins[2] is None else float(ins[2])
            out = np.pad(ins[0], [(pads[i], pads[i + r]) for i in range(r)], constant_values=value)
        else:
            raise ValueError("op not supported by the checker: " + t)
        for name, v in zip(n.output, [out]):
            env[name] = np.asarray(v)
    return env[g.output[0].name]


def summary(model):
    g = model.graph
    return len(g.initializer), sorted({n.op_type for n in g.node})


def reference_entry(model, onnx_model, shape):
    torch.manual_seed(1)
    x = torch.randn(2, *shape[1:])
    with torch.no_grad():
        y = model(x)
    count, ops = summary(onnx_model)
    diff = np.abs(run_onnx(onnx_model, x.numpy()) - y.numpy()).max()
    print("  ONNX graph (reference interpreter) vs PyTorch on the reference input: max abs diff %.3g" % diff)
    assert diff < 1e-4, "the exported graph does not compute what the PyTorch model computes"
    return {
        "input_shape": list(x.shape),
        "input": [float(v) for v in x.flatten().tolist()],
        "output_shape": list(y.shape),
        "output": [float(v) for v in y.flatten().tolist()],
        "initializer_count": count,
        "node_op_types": ops,
    }


def load_cifar_test(n):
    raw = np.fromfile(CIFAR_TEST, dtype=np.uint8, count=n * 3073).reshape(n, 3073)
    labels = raw[:, 0].astype(np.int64)
    images = raw[:, 1:].reshape(n, 3, 32, 32).astype(np.float32) / 255.0
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(1, 3, 1, 1)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(1, 3, 1, 1)
    return torch.from_numpy((images - mean) / std), labels


# ---------------------------------------------------------------------------------------------------------

def main():
    np.random.seed(0)
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    reference = {}

    # 1. chain
    torch.manual_seed(0)
    chain = Chain()
    randomise_batchnorms(chain)
    chain.eval()
    path = os.path.join(OUT, "chain.onnx")
    m = export(chain, (1, 3, 16, 16), path)
    print("chain.onnx")
    describe(m)
    reference["chain"] = reference_entry(chain, m, (1, 3, 16, 16))

    # 2. branches
    torch.manual_seed(0)
    branches = Branches()
    randomise_batchnorms(branches)
    branches.eval()
    m = export(branches, (1, 3, 12, 12), os.path.join(OUT, "branches.onnx"))
    print("branches.onnx")
    describe(m)
    reference["branches"] = reference_entry(branches, m, (1, 3, 12, 12))

    # 3. resnet20 with the pretrained weights
    net = cifar_resnet.pretrained(20, CHECKPOINT)
    images, labels = load_cifar_test(64)
    with torch.no_grad():
        logits = net(images)
    with open(REFERENCE_LOGITS) as f:
        ref = json.load(f)
    ref_logits = torch.tensor(ref["logits"], dtype=torch.float32)
    diff = (logits - ref_logits).abs().max().item()
    assert labels.tolist() == ref["labels"], "CIFAR-10 labels differ from the reference"
    correct = int((logits.argmax(1).numpy() == labels).sum())
    print("resnet20: max abs logit difference vs reference = %.3g, top-1 on the 64 images = %d/64" % (diff, correct))
    assert diff < 1e-3, "ResNet-20 logits do not match the reference"
    path = os.path.join(OUT, "resnet20.onnx")
    m = export(net, (1, 3, 32, 32), path)
    print("resnet20.onnx (%d bytes)" % os.path.getsize(path))
    describe(m)
    onnx_diff = np.abs(run_onnx(m, images.numpy()) - ref_logits.numpy()).max()
    print("  resnet20.onnx (reference interpreter) on the 64 CIFAR-10 images vs the shared reference: "
          "max abs diff %.3g" % onnx_diff)
    assert onnx_diff < 1e-3
    reference["resnet20"] = reference_entry(net, m, (1, 3, 32, 32))

    # 4. unsupported ops
    rng = np.random.RandomState(0)
    w = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "conv_0.weight")
    b = numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "conv_0.bias")
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["input", "conv_0.weight", "conv_0.bias"], ["conv_0_out"], name="conv_0",
                             kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
            helper.make_node("Erf", ["conv_0_out"], ["erf_out"], name="erf_node"),
            helper.make_node("LRN", ["erf_out"], ["out"], name="lrn_node", size=3),
        ],
        "unsupported",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4, 8, 8])],
        initializer=[w, b],
    )
    um = helper.make_model(graph, producer_name="generate_onnx_fixtures.py",
                           opset_imports=[helper.make_opsetid("", 14)])
    um.ir_version = 8
    onnx.checker.check_model(um)
    onnx.save(um, os.path.join(OUT, "unsupported.onnx"))
    print("unsupported.onnx")
    describe(um)

    # 5. broken files
    with open(os.path.join(OUT, "chain.onnx"), "rb") as f:
        data = f.read()
    with open(os.path.join(OUT, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(OUT, "not_onnx.onnx"), "wb") as f:
        f.write(b"this is not an ONNX model\n" * 5)

    # 6. reference outputs
    reference["generator"] = "src-test-resources/generate_onnx_fixtures.py, PyTorch %s, onnx %s" % (
        torch.__version__, onnx.__version__)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f, indent=None)
        f.write("\n")

    for name in sorted(os.listdir(OUT)):
        print("%-20s %8d bytes" % (name, os.path.getsize(os.path.join(OUT, name))))


if __name__ == "__main__":
    main()
