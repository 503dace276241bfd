//! Everything mlloss writes: a typed result model, the output formats
//! that render it, and the sink they go to.
//!
//! - `model.rs`: what a command produces ([`ResultKind`], [`RowLayout`],
//!   rows laid out into a [`Batch`]), and the two traits a format
//!   implements: [`Exporter`] (how each value is laid out) and [`Stream`]
//!   (how batches reach the output). It names no format.
//! - One module per format: `csv.rs` (CSV, TSV) and `json.rs` (JSON, JSON
//!   Lines) over `text.rs`'s stream; `npy.rs`; `parquet.rs` and `arrow.rs`
//!   (Arrow IPC), which only open their file for `arrow_table.rs`, the
//!   one writer of tables; `table.rs`, an aligned table of a report for a
//!   terminal.
//! - `registry.rs`: the formats, registered once; `--output-format`'s
//!   values and help, the `-o FILE` extensions and the refusal of what a
//!   format cannot hold come from it ([`OutputFormat`]).
//! - [`Output`] (`sink.rs`): a large buffer over stdout or `-o FILE`, and
//!   `atomic.rs`, which puts FILE in place only when the command succeeds;
//!   `distinct.rs` refuses two outputs of one command that are one file.
//!
//! Adding an output format is a module with a [`FormatEntry`] (its name,
//! extensions, what it holds, its [`Exporter`]) and one line in
//! `registry.rs`' `FORMATS`.

mod arrow;
mod arrow_table;
mod atomic;
mod csv;
mod distinct;
mod json;
mod model;
mod npy;
mod parquet;
mod registry;
mod sink;
mod table;
mod text;

pub use distinct::check_distinct_outputs;
pub use json::write_number as write_json_number;
pub use model::{
    Batch, Cell, Digits, Element, Exporter, FormatEntry, IndicatorRow, NamedValues, ResultKind,
    ResultShape, RowLayout, Stream,
};
pub use registry::{OutputFormat, formats_holding};
pub use sink::{Output, stdout_was_closed};

/// Starts writing a result in `format` to `out`: the format's exporter (to
/// lay out rows, on any thread) and its stream (to take them, in order).
pub fn start(
    format: OutputFormat,
    digits: Digits,
    out: Output,
) -> std::io::Result<(Box<dyn Exporter>, Box<dyn Stream>)> {
    let exporter = format.exporter(digits);
    let stream = exporter.stream(out)?;
    Ok((exporter, stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(name: &str) -> OutputFormat {
        OutputFormat::named(name).unwrap()
    }

    /// Every text exporter on the same result shapes.
    #[test]
    fn each_format_lays_out_each_shape() {
        let cases: [(&str, [&str; 7]); 4] = [
            (
                "csv",
                [
                    "1.5,nan\n-2.0,0.25\n",
                    "1.5\n-2.0\n",
                    "a,\"b,c\"\n\n",
                    "0,1\n1,0\n",
                    "0.5\n",
                    "1.5,inf\n",
                    "k,1.5\n\"a,b\",2.0\n",
                ],
            ),
            (
                "tsv",
                [
                    "1.5\tnan\n-2.0\t0.25\n",
                    "1.5\n-2.0\n",
                    "a\tb,c\n\n",
                    "0\t1\n1\t0\n",
                    "0.5\n",
                    "1.5\tinf\n",
                    "k\t1.5\na,b\t2.0\n",
                ],
            ),
            (
                "json",
                [
                    "[[1.5,NaN],\n[-2.0,0.25]]\n",
                    "[1.5,\n-2.0]\n",
                    "[[\"a\",\"b,c\"],\n[]]\n",
                    "[[0,1],\n[1,0]]\n",
                    "0.5\n",
                    "[1.5,Infinity]\n",
                    "[{\"key\":\"k\",\"loss\":1.5},\n{\"key\":\"a,b\",\"loss\":[2.0]}]\n",
                ],
            ),
            (
                "jsonl",
                [
                    "[1.5,NaN]\n[-2.0,0.25]\n",
                    "1.5\n-2.0\n",
                    "[\"a\",\"b,c\"]\n[]\n",
                    "[0,1]\n[1,0]\n",
                    "0.5\n",
                    "[1.5,Infinity]\n",
                    "{\"key\":\"k\",\"loss\":1.5}\n{\"key\":\"a,b\",\"loss\":[2.0]}\n",
                ],
            ),
        ];
        for (name, want) in cases {
            let e = format(name).exporter(Digits::Shortest);
            let mut got: [Batch; 7] = Default::default();
            e.numbers_row(&mut got[0], None, &[1.5, f64::NAN], 0);
            e.numbers_row(&mut got[0], None, &[-2.0, 0.25], 1);
            e.end_rows(&mut got[0], 2);
            e.number_row(&mut got[1], None, 1.5, 0);
            e.number_row(&mut got[1], None, -2.0, 1);
            e.end_rows(&mut got[1], 2);
            e.labels_row(&mut got[2], &["a", "b,c"], None, 0);
            e.labels_row(&mut got[2], &[], Some("|"), 1);
            e.end_rows(&mut got[2], 2);
            let mut row = e.indicator_row(2);
            row.set(1, true);
            e.indicator(&mut got[3], &row, 0);
            row.set(1, false);
            row.set(0, true);
            e.indicator(&mut got[3], &row, 1);
            e.end_rows(&mut got[3], 2);
            e.scalar(&mut got[4], 0.5);
            e.per_class(&mut got[5], &[1.5, f64::INFINITY]);
            e.number_row(&mut got[6], Some("k"), 1.5, 0);
            e.numbers_row(&mut got[6], Some("a,b"), &[2.0], 1);
            e.end_rows(&mut got[6], 2);
            for (got, want) in got.iter().zip(want) {
                assert_eq!(String::from_utf8_lossy(&got.bytes), want, "{name}");
            }
        }
    }

    #[test]
    fn no_rows_is_an_empty_json_array() {
        let mut out = Batch::default();
        format("json")
            .exporter(Digits::Shortest)
            .end_rows(&mut out, 0);
        assert_eq!(out.bytes, b"[]\n");
        let mut out = Batch::default();
        format("csv")
            .exporter(Digits::Shortest)
            .end_rows(&mut out, 0);
        assert!(out.is_empty());
    }

    #[test]
    fn significant_digits_apply_to_every_number() {
        let mut out = Batch::default();
        let e = format("csv").exporter(Digits::from_precision(Some(3)));
        e.numbers_row(&mut out, None, &[std::f64::consts::PI, 1.0 / 3.0e7], 0);
        assert_eq!(out.bytes, b"3.14,3.33e-08\n");
    }

    /// The registry: each name and extension leads to its format, and what
    /// a format cannot hold is refused with the formats that can.
    #[test]
    fn formats_come_from_the_registry() {
        let path = |p: &str| Some(std::path::PathBuf::from(p));
        for (file, name) in [
            ("x.TSV", "tsv"),
            ("x.ndjson", "jsonl"),
            ("x.npy", "npy"),
            ("x.pq", "parquet"),
            ("x.arrow", "arrow"),
            ("x.feather", "arrow"),
            ("x.ipc", "arrow"),
            ("x.txt", "csv"),
        ] {
            let chosen = OutputFormat::choose(None, path(file).as_deref());
            assert_eq!(chosen, format(name), "{file}");
        }
        let chosen = OutputFormat::choose(Some(format("json")), path("x.npy").as_deref());
        assert_eq!(chosen, format("json"));
        let refused = |name: &str, kind, output: Option<&str>| {
            let output = output.map(std::path::Path::new);
            format(name)
                .check("loss", &[kind], output)
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(refused("csv", ResultKind::ColumnNames, None), None);
        let header = refused("json", ResultKind::ColumnNames, None).unwrap();
        assert!(header.contains("csv, tsv, parquet or arrow"), "{header}");
        let report = refused("npy", ResultKind::Report, None).unwrap();
        assert!(
            report.contains("metrics print csv, tsv, json or jsonl"),
            "{report}"
        );
        let file = refused("arrow", ResultKind::Numbers, Some("-")).unwrap();
        assert!(
            file.contains("--output-format arrow writes a file"),
            "{file}"
        );
        assert_eq!(refused("arrow", ResultKind::Numbers, Some("x.arrow")), None);
    }
}
