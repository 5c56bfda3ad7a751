"""scikit-learn comparison for the real-world CSV shapes of fixtures/dialects/ (issue 13).

Each file is read twice: by pandas' read_csv with the matching sep/decimal/skiprows/names/usecols,
then trained with the reference pipeline (train_test_split + StandardScaler + Perceptron, as in
/work/shared/reference/make_reference.py and SKLEARN_PARITY.md); and by `iris train --json` with the
matching options. Prints one line per case and exits 1 unless classes, split, n_iter_, accuracy,
scaler and weights are identical (bit for bit, compared as float64 bit patterns).

    /usr/bin/python3 bench/python/dialects_compare.py      (needs python3-sklearn python3-pandas; build first)
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import Perceptron
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
D = os.path.join(ROOT, "fixtures", "dialects")
SK = "/usr/lib/python3/dist-packages/sklearn/datasets/data"
IRIS4 = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def sk_names(path):
    """scikit-learn's bundled files: a first line of counts, then features and an integer target."""
    with open(path) as f:
        n_features = int(f.readline().split(",")[1])
    return [f"f{i}" for i in range(n_features)] + ["target"]


CASES = [
    # name, file, pandas read_csv kwargs, columns pandas drops, iris train options
    ("semicolon + decimal comma", f"{D}/iris-semicolon-decimal-comma.csv", dict(sep=";", decimal=","), [], ["--delimiter", ";", "--decimal", ","]),
    ("semicolon, sniffed", f"{D}/iris-semicolon-decimal-comma.csv", dict(sep=";", decimal=","), [], ["--delimiter", "auto", "--decimal", ","]),
    ("tab-separated", f"{D}/iris.tsv", dict(sep="\t"), [], ["--delimiter", "tab"]),
    ("pipe, sniffed", f"{D}/iris-pipe.csv", dict(sep="|"), [], ["--delimiter", "auto"]),
    ("CR-only line ends", f"{D}/iris-cr.csv", dict(), [], []),
    ("R write.csv, row names excluded", f"{D}/iris-r-write-csv.csv", dict(), ["Unnamed: 0"], ["--exclude", "Unnamed: 0"]),
    ("R write.csv, row names kept as a feature", f"{D}/iris-r-write-csv.csv", dict(), [], []),
    ("sklearn's bundled iris.csv", f"{D}/iris-sklearn-bundled.csv", dict(skiprows=1, names=IRIS4 + ["target"]), [], ["--skip-rows", "1", "--names", ",".join(IRIS4 + ["target"])]),
    ("trailing delimiter", f"{D}/iris-trailing-delimiter.csv", dict(), ["Unnamed: 5"], []),
    ("numeric labels 1 and 1.0 mixed", f"{D}/iris-numeric-labels-mixed.csv", dict(), [], []),
    ("numeric labels mixed, stratified", f"{D}/iris-numeric-labels-mixed.csv", dict(), [], ["--stratify", "--seed", "7"]),
    ("sklearn's wine_data.csv", f"{SK}/wine_data.csv", dict(skiprows=1, names=sk_names(f"{SK}/wine_data.csv")), [], ["--skip-rows", "1", "--names", ",".join(sk_names(f"{SK}/wine_data.csv"))]),
    ("sklearn's breast_cancer.csv", f"{SK}/breast_cancer.csv", dict(skiprows=1, names=sk_names(f"{SK}/breast_cancer.csv")), [], ["--skip-rows", "1", "--names", ",".join(sk_names(f"{SK}/breast_cancer.csv"))]),
]


def sklearn_run(path, read, drop, stratify, seed):
    df = pd.read_csv(path, float_precision="round_trip", **read).drop(columns=drop)
    target = df.columns[-1]
    X = df.drop(columns=[target]).to_numpy(dtype=np.float64)
    y = df[target].to_numpy()
    idx = np.arange(len(df))
    tr, te = train_test_split(idx, test_size=0.3, random_state=seed, stratify=y if stratify else None)
    sc = StandardScaler().fit(X[tr])
    p = Perceptron(max_iter=40, eta0=0.1, random_state=seed, tol=1e-3, n_iter_no_change=5).fit(sc.transform(X[tr]), y[tr])
    accuracy = float((p.predict(sc.transform(X[te])) == y[te]).mean())
    return dict(classes=list(p.classes_), test=[int(i) for i in te], n_iter=int(p.n_iter_), accuracy=accuracy,
                mean=sc.mean_, scale=sc.scale_, coef=p.coef_, intercept=p.intercept_)


def iris_run(path, options, tmp):
    out = os.path.join(tmp, "model.json")
    run = subprocess.run(["node", os.path.join(ROOT, "bin", "iris.js"), "train", "--data", path, "--out", out, "--json", *options],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"iris exited {run.returncode}: {run.stderr.strip()}")
    report = json.loads(run.stdout)
    model = json.load(open(out))
    return report, model, run.stderr.strip()


def same_bits(ours, theirs):
    a = np.asarray(ours, dtype=np.float64).ravel()
    b = np.asarray(theirs, dtype=np.float64).ravel()
    return a.size == b.size and bool(np.all(a.view(np.uint64) == b.view(np.uint64))), int(b.size)


def main():
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, read, drop, options in CASES:
            stratify = "--stratify" in options
            seed = int(options[options.index("--seed") + 1]) if "--seed" in options else 0
            ref = sklearn_run(path, read, drop, stratify, seed)
            report, model, stderr = iris_run(path, options, tmp)
            checks = {
                "classes": [str(c) for c in report["classes"]] == [str(int(c)) if isinstance(c, (float, np.floating)) else str(c) for c in ref["classes"]],
                "split": report["split"]["testIndices"] == ref["test"],
                "n_iter": report["nIter"] == ref["n_iter"],
                "accuracy": report["metrics"]["test"]["accuracy"] == ref["accuracy"],
            }
            values = 0
            for key, ours, theirs in [("mean", model["scaler"]["mean"], ref["mean"]), ("scale", model["scaler"]["scale"], ref["scale"]),
                                      ("coef", model["perceptron"]["coef"], ref["coef"]), ("intercept", model["perceptron"]["intercept"], ref["intercept"])]:
                checks[key], n = same_bits(ours, theirs)
                values += n
            ok = all(checks.values())
            failed += not ok
            print(json.dumps({"case": name, "ok": ok, "accuracy": [report["metrics"]["test"]["accuracy"], ref["accuracy"]],
                              "classes": [report["classes"], [str(c) for c in ref["classes"]]], "nIter": report["nIter"],
                              "bitIdenticalValues": values if ok else None, "failed": [k for k, v in checks.items() if not v],
                              **({"stderr": stderr} if stderr else {})}))
        # A continuous target: scikit-learn refuses it ("Unknown label type"), iris exits 3.
        df = pd.read_csv(os.path.join(ROOT, "data", "iris.csv"))
        try:
            Perceptron().fit(df[["petal_length", "petal_width"]], df["sepal_length"])
            sk = "accepted"
        except ValueError as error:
            sk = str(error)
        run = subprocess.run(["node", os.path.join(ROOT, "bin", "iris.js"), "train", "-t", "sepal_length", "-f", "petal_length,petal_width",
                              "--out", os.path.join(tmp, "c.json")], capture_output=True, text=True)
        ok = "Unknown label type" in sk and run.returncode == 3 and "Unknown label type: continuous" in run.stderr
        failed += not ok
        print(json.dumps({"case": "continuous target refused", "ok": ok, "sklearn": sk, "iris": [run.returncode, run.stderr.splitlines()[0]]}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
