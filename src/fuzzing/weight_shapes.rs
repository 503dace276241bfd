//! `weight_shapes`: `loss --weight-file` and `--pos-weight-file` with
//! weight files of every shape a user writes (one row, C rows, N rows; one
//! column or C; with pandas' names, other names or none), where one column
//! of exactly C rows could be per class or per sample (`cmd/loss/weights.rs`).

use super::{Scratch, split_options, try_loss};

/// First byte: bits 0-2 the rows N of LOGITS and TARGETS (1-8), bits 3-5
/// their columns C (1-8), bit 6 LOGITS under pandas' names `0,1,…`, bit 7
/// TARGETS under them. Second byte: bits 0-1 the weight file's rows (1, C,
/// N, or the rest of the input as the file itself), bit 2 its columns (1
/// or C), bits 3-4 its first line (none, pandas' names, other names,
/// pandas' names after an index column, which then heads each row), bit 5
/// `--pos-weight-file` instead of `--weight-file`, bit 6 both, bit 7 `-r
/// mean` instead of `-r none`. The rest: the weights, a byte each (divided
/// by 16), repeated as needed. The output or the error must be the same
/// on one thread and on two; and one column of exactly C rows without a
/// first line, when N = C, must be refused (per class or per sample?).
pub fn weight_shapes(data: &[u8]) {
    let (shape, rest) = split_options(data);
    let (layout, values) = split_options(rest);
    let n = 1 + usize::from(shape & 7);
    let c = 1 + usize::from((shape >> 3) & 7);
    let scratch = Scratch::new();
    let logits = matrix_text(n, c, shape & 64 != 0, |i, j| {
        format!("{}", (i * 3 + j) as f64 * 0.5 - 2.0)
    });
    let targets = matrix_text(n, c, shape & 128 != 0, |i, j| format!("{}", (i + j) % 2));
    let rows = [1, c, n, 0][usize::from(layout & 3)];
    let cols = if layout & 4 == 0 { 1 } else { c };
    let first_line = (layout >> 3) & 3;
    let weights = if rows == 0 {
        values.to_vec()
    } else {
        weight_text(rows, cols, first_line, values).into_bytes()
    };
    let x = scratch.file("logits.csv", logits.as_bytes());
    let y = scratch.file("targets.csv", targets.as_bytes());
    let w = scratch.file("weights.csv", &weights);
    let (x, y, w) = (
        x.to_string_lossy(),
        y.to_string_lossy(),
        w.to_string_lossy(),
    );
    let options: &[&str] = match (layout >> 5) & 3 {
        0 => &["--weight-file"],
        1 => &["--pos-weight-file"],
        _ => &["--weight-file", "--pos-weight-file"],
    };
    let reduction = if layout & 128 == 0 { "none" } else { "mean" };
    let outcome = |threads| {
        let mut args = vec!["-r", reduction, "-j", threads];
        for option in options {
            args.extend([*option, &*w]);
        }
        args.extend([&*x, &*y]);
        try_loss(&scratch, &args)
    };
    let one = outcome("1");
    assert_eq!(one, outcome("2"), "one thread against two");
    if n == c && c > 1 && rows == c && cols == 1 && first_line == 0 {
        assert!(
            one.is_err(),
            "a column of C weights read as one reading: {one:?}"
        );
    }
}

/// An N×C CSV table of `value(row, column)`, under pandas' names `0,1,…`
/// when `names`.
fn matrix_text(n: usize, c: usize, names: bool, value: impl Fn(usize, usize) -> String) -> String {
    let mut text = String::new();
    if names {
        text += &(0..c).map(|j| j.to_string()).collect::<Vec<_>>().join(",");
        text.push('\n');
    }
    for i in 0..n {
        text += &(0..c).map(|j| value(i, j)).collect::<Vec<_>>().join(",");
        text.push('\n');
    }
    text
}

/// A weight file of `rows` × `cols` weights taken from `values` in turn
/// (a byte each, divided by 16; 1 when there are none), its first line as
/// [`weight_shapes`] says.
fn weight_text(rows: usize, cols: usize, first_line: u8, values: &[u8]) -> String {
    let mut next = values.iter().cycle();
    let mut weight = || next.next().map_or(1.0, |&b| f64::from(b) / 16.0);
    let indexed = first_line == 3;
    let names: Vec<String> = match first_line {
        1 | 3 => (0..cols).map(|j| j.to_string()).collect(),
        2 => (0..cols).map(|j| format!("w{j}")).collect(),
        _ => Vec::new(),
    };
    let mut text = String::new();
    if !names.is_empty() {
        if indexed {
            text.push(',');
        }
        text += &names.join(",");
        text.push('\n');
    }
    for i in 0..rows {
        let mut cells: Vec<String> = (0..cols).map(|_| weight().to_string()).collect();
        if indexed {
            cells.insert(0, i.to_string());
        }
        text += &cells.join(",");
        text.push('\n');
    }
    text
}
