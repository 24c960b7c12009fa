#!/usr/bin/python3
"""Generate the PyTorch-exported recurrent models and PyTorch's outputs the sequence tests check.

Run once with Debian's python3-torch: `/usr/bin/python3 scripts/gen-sequence-fixtures.py`. It writes
test/fixtures/sequence/: {lstm,gru}.onnx (torch.onnx.export, opset 14, dynamic batch) with
{lstm,gru}.json (an input and PyTorch's logits), and lstm-state.safetensors (a bare nn.LSTM's
state_dict, PyTorch's parameter names) with lstm-state.json (input and PyTorch's output sequence and
final states). The outputs are committed; the tests never need Python.
"""
import json
import os
import struct

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "sequence")


class Classifier(nn.Module):
    """A row-sequential classifier as `lep train --arch` builds it, bidirectional and 2 layers deep."""

    def __init__(self, cell):
        super().__init__()
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(5, 6, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1, :])


def save_safetensors(path, tensors):
    """The safetensors format by hand (8-byte header length, JSON header, raw little-endian F32)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(13)
    for cell in ["lstm", "gru"]:
        m = Classifier(cell).eval()
        x = torch.randn(3, 7, 5)
        path = os.path.join(OUT, f"{cell}.onnx")
        torch.onnx.export(m, (x,), path, input_names=["input"], output_names=["logits"], opset_version=14,
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
        with torch.no_grad():
            y = m(x)
        with open(os.path.join(OUT, f"{cell}.json"), "w") as f:
            json.dump({"torch": torch.__version__, "input": flat(x), "input_dims": list(x.shape), "logits": flat(y), "logits_dims": list(y.shape)}, f)
    lstm = nn.LSTM(4, 5, num_layers=2, bidirectional=True).eval()
    save_safetensors(os.path.join(OUT, "lstm-state.safetensors"), lstm.state_dict())
    x = torch.randn(6, 2, 4)
    with torch.no_grad():
        y, (h, c) = lstm(x)
    with open(os.path.join(OUT, "lstm-state.json"), "w") as f:
        json.dump({"torch": torch.__version__, "input": flat(x), "input_dims": list(x.shape), "output": flat(y), "h": flat(h), "c": flat(c)}, f)


if __name__ == "__main__":
    main()
