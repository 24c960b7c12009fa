#!/usr/bin/python3
"""Export a small MobileNet-style model from PyTorch for the engine tests (test/light-torch.test.ts).

Run once with Debian's PyTorch: `/usr/bin/python3 scripts/gen-light-torch.py`. Writes
test/fixtures/light-torch-mobilenet.onnx (opset 14: Conv with group, Clip for ReLU6, HardSwish,
Add skips, GlobalAveragePool, Flatten, Gemm; batch norms folded by the exporter) and
test/fixtures/light-torch-mobilenet.json (an input batch and PyTorch's logits for it).
"""
import json
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")


def cba(i, o, k, s=1, g=1, act=nn.ReLU6):
    layers = [nn.Conv2d(i, o, k, s, (k - 1) // 2, groups=g, bias=False), nn.BatchNorm2d(o)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, i, o, s, t, act=nn.ReLU6):
        super().__init__()
        h = i * t
        self.skip = s == 1 and i == o
        self.body = nn.Sequential(cba(i, h, 1, act=act), cba(h, h, 3, s, h, act=act), cba(h, o, 1, act=None))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.skip else y


def main():
    torch.manual_seed(22)
    model = nn.Sequential(
        cba(1, 8, 3),
        InvertedResidual(8, 8, 1, 2),
        InvertedResidual(8, 16, 2, 4),
        InvertedResidual(16, 16, 1, 4, act=nn.Hardswish),
        cba(16, 32, 1, act=nn.Hardswish),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(32, 10),
    )
    # Give every batch norm real statistics, then freeze them.
    model.train()
    with torch.no_grad():
        for _ in range(5):
            model(torch.rand(16, 1, 28, 28))
    model.eval()
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, "light-torch-mobilenet.onnx")
    torch.onnx.export(model, x, path, opset_version=14, input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    with open(os.path.join(OUT, "light-torch-mobilenet.json"), "w") as f:
        json.dump({"torch": torch.__version__, "input": x.flatten().tolist(), "dims": list(x.shape), "logits": y.flatten().tolist()}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
