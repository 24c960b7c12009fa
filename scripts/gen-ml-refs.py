#!/usr/bin/python3
"""Generate the scikit-learn reference values the ml tests compare against.

Run once with Debian's scikit-learn: `/usr/bin/python3 scripts/gen-ml-refs.py`. It writes
test/fixtures/ml/{datasets.json, refs.json, *.csv}; the outputs are committed and the tests
never need Python. Data is rounded to float32 first so both sides see identical inputs.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn import datasets, metrics
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, export_text

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "ml")


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def tolist(a):
    return np.asarray(a).tolist()


def split(X, y, n_test):
    return X[:-n_test], y[:-n_test], X[-n_test:], y[-n_test:]


def main():
    os.makedirs(OUT, exist_ok=True)
    data, refs = {}, {"sklearn": sklearn.__version__}

    # --- datasets -----------------------------------------------------------------------------
    Xc, yc = datasets.make_classification(n_samples=240, n_features=6, n_informative=4, n_redundant=1,
                                          n_classes=3, random_state=0)
    Xc = f32(Xc)
    Xr, yr = datasets.make_regression(n_samples=160, n_features=5, noise=10.0, random_state=0)
    Xr, yr = f32(Xr), f32(yr)
    Xb, yb = datasets.make_blobs(n_samples=300, centers=4, n_features=3, cluster_std=1.0, random_state=1)
    Xb = f32(Xb)
    iris = datasets.load_iris()
    Xi, yi = f32(iris.data), iris.target
    digits = datasets.load_digits()
    Xd = f32(digits.data[:300])
    data.update(cls={"X": tolist(Xc), "y": tolist(yc)}, reg={"X": tolist(Xr), "y": tolist(yr)},
                blobs={"X": tolist(Xb), "y": tolist(yb)}, iris={"X": tolist(Xi), "y": tolist(yi)},
                digits={"X": tolist(Xd)})

    # --- kNN ----------------------------------------------------------------------------------
    Xtr, ytr, Xte, yte = split(Xc, yc, 60)
    knn = {}
    for metric in ["euclidean", "manhattan", "cosine"]:
        for weights in ["uniform", "distance"]:
            m = KNeighborsClassifier(n_neighbors=5, weights=weights, metric=metric, algorithm="brute").fit(Xtr, ytr)
            dist, ind = m.kneighbors(Xte[:10])
            knn[f"{metric}-{weights}"] = {"pred": tolist(m.predict(Xte)), "proba": tolist(m.predict_proba(Xte)),
                                          "ind": tolist(ind), "dist": tolist(dist)}
    Rtr, rtr, Rte, rte = split(Xr, yr, 40)
    for weights in ["uniform", "distance"]:
        m = KNeighborsRegressor(n_neighbors=4, weights=weights).fit(Rtr, rtr)
        knn[f"reg-{weights}"] = {"pred": tolist(m.predict(Rte))}
    refs["knn"] = knn

    # --- trees --------------------------------------------------------------------------------
    tree = {}
    for crit in ["gini", "entropy"]:
        m = DecisionTreeClassifier(criterion=crit, max_depth=4, min_samples_leaf=2, random_state=0).fit(Xtr, ytr)
        tree[crit] = {"pred": tolist(m.predict(Xte)), "proba": tolist(m.predict_proba(Xte)),
                      "importances": tolist(m.feature_importances_), "nodes": int(m.tree_.node_count),
                      "feature": tolist(m.tree_.feature), "threshold": tolist(m.tree_.threshold),
                      "text": export_text(m)}
    m = DecisionTreeClassifier(random_state=0).fit(Xtr, ytr)
    tree["full"] = {"pred": tolist(m.predict(Xte)), "depth": int(m.get_depth()), "leaves": int(m.get_n_leaves())}
    m = DecisionTreeClassifier(max_depth=3, min_samples_split=10, random_state=0).fit(Xi, yi)
    tree["iris"] = {"pred": tolist(m.predict(Xi)), "text": export_text(m, feature_names=list(iris.feature_names))}
    m = DecisionTreeRegressor(max_depth=3, random_state=0).fit(Rtr, rtr)
    tree["reg"] = {"pred": tolist(m.predict(Rte)), "importances": tolist(m.feature_importances_), "text": export_text(m)}
    refs["tree"] = tree

    # --- k-means ------------------------------------------------------------------------------
    km = KMeans(n_clusters=4, n_init=10, random_state=0).fit(Xb)
    order = np.lexsort(km.cluster_centers_.T[::-1])
    refs["kmeans"] = {"inertia": float(km.inertia_), "labels": tolist(km.labels_),
                      "centers": tolist(km.cluster_centers_[order])}

    # --- PCA ----------------------------------------------------------------------------------
    pca = {}
    for name, kw in [("full", dict(n_components=8, svd_solver="full")),
                     ("randomized", dict(n_components=8, svd_solver="randomized", random_state=0)),
                     ("whiten", dict(n_components=5, svd_solver="full", whiten=True)),
                     ("fraction", dict(n_components=0.9, svd_solver="full"))]:
        p = PCA(**kw).fit(Xd)
        pca[name] = {"components": tolist(p.components_), "ratio": tolist(p.explained_variance_ratio_),
                     "variance": tolist(p.explained_variance_), "k": int(p.n_components_),
                     "noise": float(p.noise_variance_), "transform": tolist(p.transform(Xd[:5])),
                     "inverse": tolist(p.inverse_transform(p.transform(Xd[:3])))}
    refs["pca"] = pca

    # --- scalers ------------------------------------------------------------------------------
    refs["scalers"] = {"standard": tolist(StandardScaler().fit(Xi).transform(Xi[:5])),
                       "minmax": tolist(MinMaxScaler(feature_range=(-1, 2)).fit(Xi).transform(Xi[:5]))}

    # --- metrics ------------------------------------------------------------------------------
    rng = np.random.RandomState(0)
    yt = rng.randint(0, 2, 40)
    ys = np.round(rng.rand(40), 1)  # rounded: many tied scores
    yt3 = rng.randint(0, 3, 50)
    yp3 = np.where(rng.rand(50) < 0.6, yt3, rng.randint(0, 3, 50))
    P3 = rng.dirichlet([1, 1, 1], 50)
    mt = {"yt": tolist(yt), "ys": tolist(ys), "yt3": tolist(yt3), "yp3": tolist(yp3), "P3": tolist(P3)}
    fpr, tpr, thr = metrics.roc_curve(yt, ys)
    pr, rc, pthr = metrics.precision_recall_curve(yt, ys)
    ypb = (ys >= 0.5).astype(int)
    mt.update(roc={"fpr": tolist(fpr), "tpr": tolist(tpr), "thresholds": tolist(thr)},
              auc=metrics.roc_auc_score(yt, ys), ap=metrics.average_precision_score(yt, ys),
              pr={"precision": tolist(pr), "recall": tolist(rc), "thresholds": tolist(pthr)},
              aucOvr=metrics.roc_auc_score(yt3, P3, multi_class="ovr"),
              logloss=metrics.log_loss(yt3, P3), loglossBinary=metrics.log_loss(yt, ys),
              accuracy=metrics.accuracy_score(yt3, yp3), confusion=tolist(metrics.confusion_matrix(yt3, yp3)),
              binary={"p": metrics.precision_score(yt, ypb), "r": metrics.recall_score(yt, ypb), "f": metrics.f1_score(yt, ypb)})
    prf = {}
    for avg in ["micro", "macro", "weighted", None]:
        p, r, f, _ = metrics.precision_recall_fscore_support(yt3, yp3, average=avg)
        prf[str(avg)] = {"p": tolist(p), "r": tolist(r), "f": tolist(f)}
    mt["prf"] = prf
    yr_pred = yr[:40] + rng.randn(40) * 5
    mt.update(reg={"yt": tolist(yr[:40]), "yp": tolist(yr_pred), "mse": metrics.mean_squared_error(yr[:40], yr_pred),
                   "r2": metrics.r2_score(yr[:40], yr_pred)})
    la, lb = rng.randint(0, 4, 60), rng.randint(0, 3, 60)
    mt.update(ari={"a": tolist(la), "b": tolist(lb), "value": metrics.adjusted_rand_score(la, lb)})
    refs["metrics"] = mt

    with open(os.path.join(OUT, "datasets.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"))
    with open(os.path.join(OUT, "refs.json"), "w") as f:
        json.dump(refs, f, indent=1)

    # --- CSV files for the CLI tests ----------------------------------------------------------
    header = ",".join([f"f{i}" for i in range(Xc.shape[1])] + ["label"])
    for name, X, y in [("train.csv", Xtr, ytr), ("test.csv", Xte, yte)]:
        with open(os.path.join(OUT, name), "w") as f:
            f.write(header + "\n")
            for row, lab in zip(X, y):
                f.write(",".join(repr(float(v)) for v in row) + f",{int(lab)}\n")
    with open(os.path.join(OUT, "y.csv"), "w") as f:
        f.write("y\n" + "".join(f"{int(v)}\n" for v in yt))
    with open(os.path.join(OUT, "scores.csv"), "w") as f:
        f.write("score\n" + "".join(f"{float(v)}\n" for v in ys))
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
