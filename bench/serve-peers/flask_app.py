"""Bench peer 3, the seed's server: Flask /predict serving the same MLP weights with PyTorch."""
import logging
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

# One intra-op thread per request thread: the threaded dev server would otherwise oversubscribe the cores.
torch.set_num_threads(1)
model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
with torch.no_grad():
    model[0].weight.copy_(torch.from_numpy(w0.T.copy()))
    model[0].bias.copy_(torch.from_numpy(b0.copy()))
    model[2].weight.copy_(torch.from_numpy(w1.T.copy()))
    model[2].bias.copy_(torch.from_numpy(b1.copy()))
model.eval()

app = Flask(__name__)
# Per-request access lines would cost the peer time the others do not spend.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


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
    print(f"ready http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    app.run(host="127.0.0.1", port=port, threaded=True)
