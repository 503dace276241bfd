#!/usr/bin/env python3
"""Reference Python pipelines that mlloss is benchmarked against.

Each pipeline is what a competent user would write as a throw-away script:
read the CSV(s) with pandas or polars, compute in float64 with torch or numpy,
and write the result to stdout.  Only the standard library is imported at
module level; the heavy packages are imported inside each pipeline so that
``--list`` works without them (and so that import time is part of the timing,
as it is for a user running the script).

Usage:
    python_pipelines.py --list                  # pipeline names, one per line
    python_pipelines.py --check                 # exit 0 iff numpy, pandas, polars,
                                                # torch and sklearn all import
    python_pipelines.py NAME LOGITS TARGETS     # loss pipelines
    python_pipelines.py NAME LABELS             # binarize pipelines

Results go to stdout only; nothing else is written to stdout.
"""

import sys

# Rows per chunk for the dense MultiLabelBinarizer output.  50,000 rows x
# 1000 classes is a 400 MB int64 block, which keeps peak memory bounded while
# keeping per-chunk overhead negligible.
MLB_CHUNK_ROWS = 50_000


# --------------------------------------------------------------------------
# readers


def _pandas_read(logits_path, targets_path):
    import numpy as np
    import pandas as pd

    x = pd.read_csv(logits_path, header=None).to_numpy(dtype=np.float64)
    y = pd.read_csv(targets_path, header=None).to_numpy(dtype=np.float64)
    return x, y


def _polars_read(logits_path, targets_path):
    import numpy as np
    import polars as pl

    # Targets are inferred as Int64 and logits as Float64; convert both to a
    # float64 ndarray (polars returns a Fortran-ordered array for a frame of
    # numeric columns, which numpy and torch both handle as a strided view).
    x = pl.read_csv(logits_path, has_header=False).to_numpy()
    y = pl.read_csv(targets_path, has_header=False).to_numpy()
    x = x.astype(np.float64, copy=False)
    y = y.astype(np.float64, copy=False)
    return x, y


# --------------------------------------------------------------------------
# computations


def _torch_bce(x, y, reduction):
    import torch

    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    return torch.nn.BCEWithLogitsLoss(reduction=reduction)(xt, yt)


def _torch_mlsm(x, y, reduction):
    import torch

    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    return torch.nn.MultiLabelSoftMarginLoss(reduction=reduction)(xt, yt)


def _numpy_bce_mean(x, y):
    import numpy as np

    # logsigmoid(x) = min(x, 0) - log1p(exp(-|x|))  (numerically stable)
    logsigmoid = np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))
    return float(np.mean((1.0 - y) * x - logsigmoid))


# --------------------------------------------------------------------------
# loss pipelines


def pandas_torch_mean(logits_path, targets_path):
    x, y = _pandas_read(logits_path, targets_path)
    loss = _torch_bce(x, y, "mean")
    print(repr(float(loss)))


def pandas_numpy_mean(logits_path, targets_path):
    x, y = _pandas_read(logits_path, targets_path)
    print(repr(_numpy_bce_mean(x, y)))


def polars_numpy_mean(logits_path, targets_path):
    x, y = _polars_read(logits_path, targets_path)
    print(repr(_numpy_bce_mean(x, y)))


def polars_torch_mean(logits_path, targets_path):
    x, y = _polars_read(logits_path, targets_path)
    loss = _torch_bce(x, y, "mean")
    print(repr(float(loss)))


def pandas_torch_none(logits_path, targets_path):
    import pandas as pd

    x, y = _pandas_read(logits_path, targets_path)
    loss = _torch_bce(x, y, "none")
    pd.DataFrame(loss.numpy()).to_csv(
        sys.stdout, header=False, index=False, float_format=None
    )


def polars_torch_none(logits_path, targets_path):
    import polars as pl

    x, y = _polars_read(logits_path, targets_path)
    loss = _torch_bce(x, y, "none")
    pl.DataFrame(loss.numpy(), orient="row").write_csv(
        sys.stdout, include_header=False
    )


def polars_torch_mlsm_none(logits_path, targets_path):
    import polars as pl

    x, y = _polars_read(logits_path, targets_path)
    loss = _torch_mlsm(x, y, "none")  # shape (N,)
    pl.DataFrame({"loss": loss.numpy()}).write_csv(sys.stdout, include_header=False)


def polars_torch_class(logits_path, targets_path):
    x, y = _polars_read(logits_path, targets_path)
    per_class = _torch_bce(x, y, "none").mean(dim=0)
    print(",".join(repr(float(v)) for v in per_class.tolist()))


def polars_parquet_numpy_mean(logits_path, targets_path):
    """The same mean from Parquet files: polars' reader, numpy's maths."""
    import numpy as np
    import polars as pl

    x = pl.read_parquet(logits_path).to_numpy().astype(np.float64, copy=False)
    y = pl.read_parquet(targets_path).to_numpy().astype(np.float64, copy=False)
    print(repr(_numpy_bce_mean(x, y)))


def polars_torch_none_parquet(logits_path, targets_path):
    """reduction='none' written as Parquet (next to LOGITS, as
    LOGITS.polars-none.parquet): polars reads, torch computes, polars writes."""
    import polars as pl

    x, y = _polars_read(logits_path, targets_path)
    loss = _torch_bce(x, y, "none")
    pl.DataFrame(loss.numpy(), orient="row").write_parquet(logits_path + ".polars-none.parquet")


# --------------------------------------------------------------------------
# binarize pipelines


def pandas_mlb(labels_path):
    import csv

    import numpy as np
    import pandas as pd
    from sklearn.preprocessing import MultiLabelBinarizer

    # One string per line: a tab never occurs in the label file, quoting is
    # disabled, and blank lines are kept as empty strings (= no labels).
    lines = pd.read_csv(
        labels_path,
        header=None,
        names=["labels"],
        sep="\t",
        dtype=str,
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
        skip_blank_lines=False,
    )["labels"]
    rows = [s.split(",") if s else [] for s in lines.tolist()]

    mlb = MultiLabelBinarizer()
    mlb.fit(rows)  # classes_ are sorted

    # Writer choice: on a 50,000 x 1000 chunk of 0/1 int64, np.savetxt(fmt='%d')
    # took ~4.4 s versus ~5.4 s for DataFrame.to_csv(header=False, index=False),
    # so np.savetxt (the faster of the two, ~20%) is used.
    out = sys.stdout.buffer
    for start in range(0, len(rows), MLB_CHUNK_ROWS):
        chunk = mlb.transform(rows[start : start + MLB_CHUNK_ROWS])
        np.savetxt(out, chunk, fmt="%d", delimiter=",")
    out.flush()


# --------------------------------------------------------------------------
# CLI

# --------------------------------------------------------------------------
# metrics (scikit-learn on the arrays polars read)


def polars_sklearn_thresholded(logits_path, targets_path):
    """What `mlloss metrics --metric hamming_loss,subset_accuracy,f1` prints:
    0/1 predictions where sigma(x) >= 0.5, scikit-learn's metrics on them."""
    import numpy as np
    from sklearn import metrics

    x, y = _polars_read(logits_path, targets_path)
    y = y.astype(np.int64)
    pred = (1.0 / (1.0 + np.exp(-x)) >= 0.5).astype(np.int64)
    print(f"hamming_loss,{metrics.hamming_loss(y, pred)!r}")
    print(f"subset_accuracy,{metrics.accuracy_score(y, pred)!r}")
    print(f"f1,{metrics.f1_score(y, pred, average='macro')!r}")


def polars_sklearn_ranking(logits_path, targets_path):
    """label_ranking_loss, coverage_error, lrap and ndcg of the scores."""
    from sklearn import metrics

    x, y = _polars_read(logits_path, targets_path)
    print(f"label_ranking_loss,{metrics.label_ranking_loss(y, x)!r}")
    print(f"coverage_error,{metrics.coverage_error(y, x)!r}")
    print(f"lrap,{metrics.label_ranking_average_precision_score(y, x)!r}")
    print(f"ndcg,{metrics.ndcg_score(y, x)!r}")


def polars_sklearn_curves(logits_path, targets_path):
    """Exact macro roc_auc and average_precision of the scores."""
    from sklearn import metrics

    x, y = _polars_read(logits_path, targets_path)
    print(f"roc_auc,{metrics.roc_auc_score(y, x, average='macro')!r}")
    print(f"average_precision,{metrics.average_precision_score(y, x, average='macro')!r}")


LOSS_PIPELINES = {
    "pandas-torch-mean": pandas_torch_mean,
    "pandas-numpy-mean": pandas_numpy_mean,
    "polars-numpy-mean": polars_numpy_mean,
    "polars-torch-mean": polars_torch_mean,
    "pandas-torch-none": pandas_torch_none,
    "polars-torch-none": polars_torch_none,
    "polars-torch-mlsm-none": polars_torch_mlsm_none,
    "polars-torch-class": polars_torch_class,
    "polars-parquet-numpy-mean": polars_parquet_numpy_mean,
    "polars-torch-none-parquet": polars_torch_none_parquet,
    "polars-sklearn-thresholded": polars_sklearn_thresholded,
    "polars-sklearn-ranking": polars_sklearn_ranking,
    "polars-sklearn-curves": polars_sklearn_curves,
}

BINARIZE_PIPELINES = {
    "pandas-mlb": pandas_mlb,
}

REQUIRED_MODULES = ["numpy", "pandas", "polars", "torch", "sklearn"]


def _check():
    import importlib

    missing = []
    for name in REQUIRED_MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # ImportError, or a broken install
            missing.append(f"{name} ({type(exc).__name__}: {exc})")
    if missing:
        print("missing Python modules: " + "; ".join(missing), file=sys.stderr)
        return 1
    return 0


def _usage():
    return (
        "usage: python_pipelines.py --list | --check | "
        "NAME LOGITS TARGETS | NAME LABELS"
    )


def main(argv):
    if len(argv) == 1 and argv[0] == "--list":
        for name in list(LOSS_PIPELINES) + list(BINARIZE_PIPELINES):
            print(name)
        return 0
    if len(argv) == 1 and argv[0] == "--check":
        return _check()
    if len(argv) == 3 and argv[0] in LOSS_PIPELINES:
        LOSS_PIPELINES[argv[0]](argv[1], argv[2])
        return 0
    if len(argv) == 2 and argv[0] in BINARIZE_PIPELINES:
        BINARIZE_PIPELINES[argv[0]](argv[1])
        return 0
    if argv and argv[0] not in LOSS_PIPELINES and argv[0] not in BINARIZE_PIPELINES:
        if not argv[0].startswith("-"):
            print(f"unknown pipeline: {argv[0]}", file=sys.stderr)
    print(_usage(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
