#!/usr/bin/python3
"""PyTorch peer of bench/light.ts: depthwise 3x3 (groups = C) then pointwise 1x1, forward and
forward+backward, one thread, on the shapes given as JSON in argv[1]. Prints one JSON line per shape."""
import json
import sys
import time

try:
    import torch
except ImportError:
    print(json.dumps({"error": "python3-torch is not installed"}))
    sys.exit(0)

torch.set_num_threads(1)
shapes = json.loads(sys.argv[1])
reps = int(sys.argv[2])
for s in shapes:
    n, c, h, o, stride = s["n"], s["c"], s["h"], s["o"], s["stride"]
    dw = torch.nn.Conv2d(c, c, 3, stride=stride, padding=1, groups=c, bias=False)
    pw = torch.nn.Conv2d(c, o, 1, bias=False)
    x = torch.rand(n, c, h, h, requires_grad=True)
    best_f = best_b = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        with torch.no_grad():
            pw(dw(x))
        best_f = min(best_f, time.perf_counter() - t0)
        t0 = time.perf_counter()
        pw(dw(x)).sum().backward()
        best_b = min(best_b, time.perf_counter() - t0)
    print(json.dumps({"label": s["label"], "fwd_ms": best_f * 1e3, "fwdbwd_ms": best_b * 1e3, "torch": torch.__version__}))
