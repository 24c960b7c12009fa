#!/usr/bin/python3
"""Generate scikit-learn's impurity-based feature importances the importance tests compare against.

Run once with Debian's scikit-learn: `/usr/bin/python3 scripts/gen-importance-refs.py`. It fits
DecisionTreeClassifier on test/fixtures/ml/train.csv (the CSV `lep ml evaluate` reads), on wine and
on a make_classification set (both rounded to float32) for several depths, leaf sizes and both criteria, and writes
test/fixtures/ml/importances.json. The output is committed; the tests never need Python.

sklearn visits features in a random order, so where two splits improve the impurity equally (iris's
petal length and width, small deep nodes) its tree depends on random_state. Only settings whose
importances are the same for ten random states are kept: there the answer is sklearn's, not a coin's.
"""
import json
import os

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.tree import DecisionTreeClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "ml")


def main():
    table = np.genfromtxt(os.path.join(OUT, "train.csv"), delimiter=",", skip_header=1)
    X_csv, y_csv = table[:, :-1].astype(np.float32).astype(np.float64), table[:, -1].astype(int)
    wine = datasets.load_wine()
    X_wine = wine.data.astype(np.float32).astype(np.float64)
    X_mc, y_mc = datasets.make_classification(n_samples=400, n_features=8, n_informative=5, n_redundant=1, n_classes=3, random_state=7)
    X_mc = X_mc.astype(np.float32).astype(np.float64)
    cases = []
    for name, X, y in [("train.csv", X_csv, y_csv), ("wine", X_wine, wine.target), ("make_classification", X_mc, y_mc)]:
        for crit in ["gini", "entropy"]:
            for depth, leaf in [(None, 1), (1, 1), (2, 1), (3, 1), (3, 4), (4, 2), (5, 2), (6, 5)]:
                fits = [DecisionTreeClassifier(criterion=crit, max_depth=depth, min_samples_leaf=leaf, random_state=rs).fit(X, y) for rs in range(10)]
                m = fits[0]
                if any(not np.array_equal(f.feature_importances_, m.feature_importances_) for f in fits[1:]):
                    print(f"skipped {name} {crit} depth={depth} leaf={leaf}: tied splits, sklearn's answer depends on random_state")
                    continue
                cases.append({"data": name, "criterion": crit, "max_depth": depth, "min_samples_leaf": leaf,
                              "importances": m.feature_importances_.tolist(), "nodes": int(m.tree_.node_count)})
    out = {"sklearn": sklearn.__version__, "wine": {"X": X_wine.tolist(), "y": wine.target.tolist()},
           "make_classification": {"X": X_mc.tolist(), "y": y_mc.tolist()}, "cases": cases}
    with open(os.path.join(OUT, "importances.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
