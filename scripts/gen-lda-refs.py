#!/usr/bin/python3
"""Generate the scikit-learn reference values for LinearDiscriminantAnalysis (src/ml/lda.ts).

Run once with Debian's scikit-learn: `/usr/bin/python3 scripts/gen-lda-refs.py`. It writes
test/fixtures/lda-refs.json (data and results); the test never needs Python. Data is rounded to
float32 first so both sides see identical inputs. Cases: 4 classes in 6 features (svd, eigen,
n_components=2), 2 classes (the binary path), and a set with a constant and a duplicated column
(collinear: svd only, as sklearn's eigen solver fails there too).
"""
import json
import os

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "lda-refs.json")


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def case(name, X, y, solver, n_components=None):
    X = f32(X)
    Xtr, ytr, Xte = X[:-40], y[:-40], X[-40:]
    m = LinearDiscriminantAnalysis(solver=solver, n_components=n_components).fit(Xtr, ytr)
    coef = m.coef_
    intercept = m.intercept_
    return {
        "name": name,
        "solver": solver,
        "n_components": n_components,
        "X": Xtr.tolist(),
        "y": ytr.tolist(),
        "X_test": Xte.tolist(),
        "means": m.means_.tolist(),
        "priors": m.priors_.tolist(),
        "coef": coef.tolist(),
        "intercept": intercept.tolist(),
        "explained_variance_ratio": m.explained_variance_ratio_.tolist(),
        "transform": m.transform(Xte).tolist(),
        "predict": m.predict(Xte).tolist(),
        "predict_proba": m.predict_proba(Xte).tolist(),
    }


def main():
    X4, y4 = make_classification(n_samples=200, n_features=6, n_informative=4, n_redundant=0, n_classes=4, n_clusters_per_class=1, class_sep=1.0, random_state=22)
    X2, y2 = make_classification(n_samples=150, n_features=5, n_informative=3, n_redundant=0, n_classes=2, random_state=7)
    Xc = np.hstack([X4, np.full((len(X4), 1), 3.0), X4[:, :1]])  # a constant and a duplicated column
    cases = [
        case("4 classes, svd", X4, y4, "svd"),
        case("4 classes, eigen", X4, y4, "eigen"),
        case("4 classes, svd, 2 components", X4, y4, "svd", 2),
        case("2 classes, svd", X2, y2, "svd"),
        case("2 classes, eigen", X2, y2, "eigen"),
        case("collinear features, svd", Xc, y4, "svd"),
    ]
    with open(OUT, "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
