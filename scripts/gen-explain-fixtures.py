#!/usr/bin/python3
"""Generate a PyTorch-exported CNN and PyTorch's own gradients for the explanation tests.

Run once with Debian's python3-torch: `/usr/bin/python3 scripts/gen-explain-fixtures.py`. It writes
test/fixtures/explain/: torch-cnn.onnx (torch.onnx.export, opset 13, dynamic batch; conv, batch norm
in eval, ReLU, max and average pooling, flatten, two linears and a final Softmax, briefly trained on
a synthetic task (which quadrant is brightest) so its decisions depend on the input) and torch-cnn.json (inputs, PyTorch's logits
and torch.autograd's gradient of each target logit with respect to the input: saliency computed by
PyTorch itself). The outputs are committed; the tests never need Python.
"""
import json
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "explain")


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2, count_include_pad=False),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8 * 3 * 3, 16), nn.ReLU(), nn.Linear(16, 4))

    def forward(self, x):
        return self.head(self.features(x))


class WithSoftmax(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return torch.softmax(self.m(x), dim=1)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(5)
    m = Cnn()
    opt = torch.optim.Adam(m.parameters(), lr=0.01)
    for _ in range(200):
        # The class is the brightest quadrant: a decision a black baseline clearly lacks.
        scale = torch.rand(32, 1, 2, 2)
        x = torch.rand(32, 1, 12, 12) * scale.repeat_interleave(6, 2).repeat_interleave(6, 3)
        y = scale.reshape(32, 4).argmax(1)
        loss = nn.functional.cross_entropy(m(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    m.eval()
    path = os.path.join(OUT, "torch-cnn.onnx")
    torch.onnx.export(WithSoftmax(m).eval(), (torch.rand(1, 1, 12, 12),), path, input_names=["input"], output_names=["probabilities"],
                      opset_version=13, dynamic_axes={"input": {0: "N"}, "probabilities": {0: "N"}})
    cases = []
    for k in range(3):
        scale = torch.rand(1, 1, 2, 2)
        x = (torch.rand(1, 1, 12, 12) * scale.repeat_interleave(6, 2).repeat_interleave(6, 3)).requires_grad_()
        logits = m(x)
        target = int(logits.argmax(1))
        (grad,) = torch.autograd.grad(logits[0, target], x)
        cases.append({"input": flat(x), "logits": flat(logits), "target": target, "grad": flat(grad)})
    with open(os.path.join(OUT, "torch-cnn.json"), "w") as f:
        json.dump({"torch": torch.__version__, "input_dims": [1, 12, 12], "cases": cases}, f)


if __name__ == "__main__":
    main()
