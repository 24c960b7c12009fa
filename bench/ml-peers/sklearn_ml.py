#!/usr/bin/python3
"""scikit-learn side of bench/ml.ts: the same fashion-mnist tasks, one run each, JSON on stdout.

n_jobs=1 for estimators; numpy's BLAS may still use its own threads (reported as blas_threads)."""
import gzip
import json
import os
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

D = "/usr/share/datasets/fashion-mnist"


def idx(name):
    for p in (os.path.join(D, name + ".gz"), os.path.join(D, name)):
        if os.path.exists(p):
            raw = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
            ndim = raw[3]
            dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    sys.exit(f"missing {name} in {D}")


def timed(fn):
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


def main():
    kmeans_n_init = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    Xtr = idx("train-images-idx3-ubyte").reshape(60000, -1).astype(np.float32) / 255
    ytr = idx("train-labels-idx1-ubyte").astype(np.int64)
    Xte = idx("t10k-images-idx3-ubyte").reshape(10000, -1).astype(np.float32) / 255
    yte = idx("t10k-labels-idx1-ubyte").astype(np.int64)
    out = {}

    m = KNeighborsClassifier(n_neighbors=5, algorithm="brute", n_jobs=1)
    _, fit = timed(lambda: m.fit(Xtr, ytr))
    pred, predict = timed(lambda: m.predict(Xte))
    out["knn_raw"] = {"acc": float((pred == yte).mean()), "fit": fit, "predict": predict}

    def pca_knn():
        p = PCA(64, random_state=0).fit(Xtr)
        return p, KNeighborsClassifier(n_neighbors=5, algorithm="brute", n_jobs=1).fit(p.transform(Xtr), ytr)
    (p, m), fit = timed(pca_knn)
    pred, predict = timed(lambda: m.predict(p.transform(Xte)))
    out["knn_pca64"] = {"acc": float((pred == yte).mean()), "fit": fit, "predict": predict}

    m = DecisionTreeClassifier(max_depth=12, random_state=0)
    _, fit = timed(lambda: m.fit(Xtr, ytr))
    pred, predict = timed(lambda: m.predict(Xte))
    out["tree"] = {"acc": float((pred == yte).mean()), "fit": fit, "predict": predict}

    m = KMeans(n_clusters=10, n_init=kmeans_n_init, random_state=0)
    _, fit = timed(lambda: m.fit(Xtr))
    pred, predict = timed(lambda: m.predict(Xte))
    out["kmeans"] = {"ari": float(adjusted_rand_score(yte, pred)), "trainAri": float(adjusted_rand_score(ytr, m.labels_)),
                     "inertia": float(m.inertia_), "fit": fit, "predict": predict}
    out["blas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
