# Peer for bench/compress.ts: PyTorch fp32 vs torch dynamic int8 (quantize_dynamic on nn.Linear) for the
# same MLP weights, on the Fashion-MNIST test set, one thread. Prints one JSON object.
import gzip, io, json, sys, time
import numpy as np
import torch
from torch import nn

spec = json.load(open(sys.argv[1]))
data_dir = sys.argv[2]
torch.set_num_threads(1)

def idx(path):
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)

x = torch.from_numpy(idx(f'{data_dir}/t10k-images-idx3-ubyte.gz').reshape(-1, 784).astype(np.float32) / 255.0)
y = torch.from_numpy(idx(f'{data_dir}/t10k-labels-idx1-ubyte.gz').astype(np.int64))

layers = []
for i, l in enumerate(spec['layers']):
    lin = nn.Linear(l['in'], l['out'])
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(l['w'], dtype=torch.float32).reshape(l['out'], l['in']))
        lin.bias.copy_(torch.tensor(l['b'], dtype=torch.float32))
    layers.append(lin)
    if i + 1 < len(spec['layers']):
        layers.append(nn.ReLU())
fp32 = nn.Sequential(*layers).eval()
int8 = torch.ao.quantization.quantize_dynamic(fp32, {nn.Linear}, dtype=torch.qint8)

def measure(m):
    buf = io.BytesIO()
    torch.save(m.state_dict(), buf)
    with torch.inference_mode():
        acc = float((m(x).argmax(1) == y).float().mean())
        for i in range(50):
            m(x[i:i + 1])
        times = []
        t_end = time.perf_counter() + 0.4
        i = 0
        while i < 300 or time.perf_counter() < t_end:
            t0 = time.perf_counter()
            m(x[i % 10000:i % 10000 + 1])
            times.append((time.perf_counter() - t0) * 1000)
            i += 1
        times.sort()
        b = x[:64]
        for _ in range(5):
            m(b)  # warm-up: the first batch-64 calls pay one-time kernel setup
        runs = 0
        t0 = time.perf_counter()
        while runs < 40 or time.perf_counter() - t0 < 0.4:
            m(b)
            runs += 1
        thr = runs * 64 / (time.perf_counter() - t0)
    return {'size': len(buf.getvalue()), 'acc': acc, 'p50': times[len(times) // 2], 'p99': times[int(len(times) * 0.99) - 1], 'thr': thr}

print(json.dumps({'fp32': measure(fp32), 'int8': measure(int8), 'torch': torch.__version__}))
