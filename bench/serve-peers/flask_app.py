"""Bench peer 3, the seed's server: Flask /predict serving the same MLP weights with PyTorch."""
import sys

import numpy as np
import torch
from flask import Flask, jsonify, request

weights_path, port = sys.argv[1], int(sys.argv[2])
raw = np.fromfile(weights_path, dtype="<f4")
w0, raw = raw[: 784 * 128].reshape(784, 128), raw[784 * 128 :]
b0, raw = raw[:128], raw[128:]
w1, raw = raw[: 128 * 10].reshape(128, 10), raw[128 * 10 :]
b1 = raw[:10]

model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
with torch.no_grad():
    model[0].weight.copy_(torch.from_numpy(w0.T.copy()))
    model[0].bias.copy_(torch.from_numpy(b0.copy()))
    model[2].weight.copy_(torch.from_numpy(w1.T.copy()))
    model[2].bias.copy_(torch.from_numpy(b1.copy()))
model.eval()

app = Flask(__name__)


@app.post("/predict")
def predict():
    body = request.get_json(force=True)
    rows = body.get("inputs", body.get("input_data"))
    x = torch.tensor(rows, dtype=torch.float32)
    with torch.no_grad():
        p = torch.softmax(model(x), dim=1)
    score, index = p.max(dim=1)
    preds = [{"index": int(i), "label": str(int(i)), "score": float(s)} for s, i in zip(score, index)]
    return jsonify({"predictions": preds, "model": "flask@1"})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, threaded=True)
