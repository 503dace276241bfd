"""Writes the seeds of the fuzz targets of the inference paths
(fuzz/seeds/pair_first_lines, pandas_meta, weight_shapes): the files as
pandas, NumPy and pyarrow write them, behind the option bytes each target
reads first (see src/fuzzing/*.rs for what each byte chooses).

    python3 fuzz/inference_seeds.py   # needs numpy, pandas, pyarrow
"""
import io
import pathlib

import numpy as np
import pandas as pd
import pyarrow as pa

SEEDS = pathlib.Path(__file__).parent / "seeds"


def seed(target, name, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def to_csv(frame, **kwargs):
    return frame.to_csv(**kwargs).encode()


def savetxt(array, **kwargs):
    out = io.BytesIO()
    np.savetxt(out, array, **kwargs)
    return out.getvalue()


# pair_first_lines: options (bits 0-1 kind, 2-3 reduction, 4 --explain,
# 5 --pos-weight auto), LOGITS, 0xFF, TARGETS.
x2 = np.array([[0.5, 1.5], [-1.0, 2.0], [0.25, -0.75]])
y2 = np.array([[0, 1], [1, 0], [1, 1]])
x1, y1 = x2[:, :1], y2[:, :1]
pairs = {
    # The three lines, as pandas writes them.
    "pandas-names-both": (0, b"0,1\n0.5,1.5\n", b"0,1\n1,0\n"),
    "pandas-indexed-logits": (0, b",0,1\n0,0.5,1\n", b"0,1\n1,0\n"),
    "pandas-names-over-data-row": (0x10, to_csv(pd.DataFrame(x2), index=False), b"0,1\n1,0\n1,1\n"),
    "savetxt-targets-first-row-0-1": (0x04, to_csv(pd.DataFrame(x2), index=False), savetxt(y2, fmt="%d", delimiter=",")),
    "both-indexed": (0x20, to_csv(pd.DataFrame(x2)), to_csv(pd.DataFrame(y2))),
    "one-class": (0x08, to_csv(pd.DataFrame(x1), index=False), to_csv(pd.DataFrame(y1), index=False)),
    "probs-one-class-data": (0x01, savetxt(x1 / 4 + 0.5, delimiter=","), savetxt(y1, fmt="%d", delimiter=",")),
    "reversed-index": (0x0C, to_csv(pd.DataFrame(x2)), to_csv(pd.DataFrame(y2).iloc[::-1])),
}
for name, (options, logits, targets) in pairs.items():
    seed("pair_first_lines", name, bytes([options]) + logits + b"\xff" + targets)


# pandas_meta: options (bits 0-1 index columns: none, __index_level_0__,
# fold and aug, all; bits 2-4 rows; bit 5 TARGETS reversed; bit 6 Feather;
# bit 7 -r mean), LOGITS' pandas metadata, 0xFF, TARGETS'.
def pandas_metadata(frame):
    return pa.Schema.from_pandas(frame).metadata[b"pandas"]


rows = 5
frame = pd.DataFrame({"a": np.zeros(rows), "b": np.ones(rows)})
fold_aug = frame.assign(fold=np.arange(rows) % 2, aug=[f"v{i // 2}" for i in range(rows)])
metas = {
    "range": (0, pandas_metadata(frame), pandas_metadata(frame)),
    "range-reversed": (0, pandas_metadata(frame), pandas_metadata(frame.iloc[::-1])),
    "range-sliced-feather": (64, pandas_metadata(frame.iloc[1:]), pandas_metadata(frame.iloc[::2])),
    "column-index": (1 | 32, pandas_metadata(frame.set_axis(np.arange(rows) * 10)),
                     pandas_metadata(frame.set_axis(np.arange(rows)[::-1] * 10))),
    "multiindex": (2 | 32 | 128, pandas_metadata(fold_aug.set_index(["fold", "aug"])),
                   pandas_metadata(fold_aug.set_index(["fold", "aug"]))),
    "multiindex-beside-range": (3, pandas_metadata(fold_aug.set_index(["fold", "aug"])), pandas_metadata(frame)),
    "huge-step": (0, b'{"index_columns": [{"kind": "range", "name": null, "start": 9223372036854775807, '
                     b'"stop": 0, "step": -9223372036854775808}]}', pandas_metadata(frame)),
}
for name, (options, logits, targets) in metas.items():
    seed("pandas_meta", name, bytes([options | rows << 2]) + logits + b"\xff" + targets)


# weight_shapes: shape (bits 0-2 N-1, 3-5 C-1, 6-7 pandas names on LOGITS,
# TARGETS), layout (bits 0-1 rows 1, C, N or the file itself; bit 2 C
# columns; bits 3-4 first line: none, pandas', other names, indexed;
# bit 5 --pos-weight-file; bit 6 both; bit 7 -r mean), weights.
def shape(n, c, logits_names=False, targets_names=False):
    return (n - 1) | (c - 1) << 3 | logits_names << 6 | targets_names << 7


def layout(rows, columns, first_line=0, option=0, mean=False):
    return {"1": 0, "C": 1, "N": 2, "file": 3}[rows] | (columns == "C") << 2 | first_line << 3 | option << 5 | mean << 7


pos_weight = np.array([0.5, 2.0, 1.25])
weights = {
    # np.savetxt(f, pos_weight): C lines of one value, with N = C: refused.
    "savetxt-column-n-equals-c": (shape(3, 3), layout("file", 1, option=1), savetxt(pos_weight)),
    "savetxt-column-per-sample": (shape(4, 3), layout("file", 1), savetxt(np.array([1.0, 2.0, 0.5, 1.0]))),
    "savetxt-row": (shape(3, 3), layout("file", 1, option=1), savetxt(pos_weight[None], delimiter=",")),
    "pandas-row": (shape(3, 3, True, True), layout("file", 1, option=1, mean=True),
                   to_csv(pd.DataFrame(pos_weight[None]), index=False)),
    "pandas-indexed-column": (shape(3, 3), layout("file", 1), to_csv(pd.DataFrame(pos_weight))),
    "one-row-names": (shape(2, 4), layout("1", "C", 2, option=2), bytes([8, 16, 24, 32])),
    "c-rows-one-column": (shape(3, 3, True), layout("C", 1), bytes([8, 16, 24])),
    "n-rows-c-columns": (shape(5, 2), layout("N", "C", 1, mean=True), bytes([4, 12, 20])),
    "one-column-one-class": (shape(4, 1), layout("N", 1, 3), bytes([16, 0, 40])),
}
for name, (shape_byte, layout_byte, data) in weights.items():
    seed("weight_shapes", name, bytes([shape_byte, layout_byte]) + data)
