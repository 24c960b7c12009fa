# Peer for bench/data.ts: NumPy loads Fashion-MNIST from the gzipped IDX files and gathers one
# shuffled epoch of batch-128 copies, the same work as our loader. Prints JSON timings.
import gzip, json, sys, time
import numpy as np

d = sys.argv[1]
t0 = time.perf_counter()
def idx(name, offset):
    with gzip.open(f"{d}/{name}.gz", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)
x = (idx("train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / np.float32(255.0))
y = idx("train-labels-idx1-ubyte", 8).astype(np.int32)
load = time.perf_counter() - t0

rng = np.random.default_rng(0)
t0 = time.perf_counter()
perm = rng.permutation(len(x))
s = 0.0
for i in range(0, len(x), 128):
    b = perm[i:i + 128]
    xb = x[b]
    yb = y[b]
    s += float(xb[0, 0]) + int(yb[0])
epoch = time.perf_counter() - t0
print(json.dumps({"load_s": load, "epoch_s": epoch, "n": int(len(x)), "check": s}))
