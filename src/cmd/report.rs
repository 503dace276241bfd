//! `mlloss report`: scikit-learn's `classification_report` (and
//! `multilabel_confusion_matrix` with `--confusion`) for multi-label
//! scores, binarized by the decision rule ([`crate::cmd::decision`]). The
//! rows are read by `metrics`' pipeline into one tally
//! ([`crate::metrics::classification`]); here: the command line, and the
//! layouts — scikit-learn's text byte for byte, `output_dict=True` as
//! JSON, a row per class and average as CSV/TSV.

use std::fmt::Write as _;

use clap::ValueEnum;

use crate::cmd::decision::{DecisionArgs, ThresholdList, parse_thresholds, settle};
use crate::cmd::metrics::{InputArgs, Opening, Plan, collect};
use crate::cmd::options::parse_zero_division;
use crate::error::{InputError, UsageError};
use crate::metrics::ZeroDivision;
use crate::metrics::classification::{
    ClassificationReport, ReportLayout, classification_report, report_spec,
};
use crate::metrics::state::MetricsState;
use crate::output::Output;

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    // No clap default: `--top-k` alone applies no threshold.
    #[arg(long, value_name = "T", value_parser = parse_thresholds,
        help = "A class is predicted where σ(x) ≥ T (logits) or p ≥ T (probs); T1,…,TC: one per \
            class [default: 0.5]")]
    pub threshold: Option<ThresholdList>,

    #[command(flatten)]
    pub decision: DecisionArgs,

    /// Precision, recall and F1 where their denominator is 0: 0, 1 or nan [default: 0, with
    /// scikit-learn's warning].
    #[arg(long, value_name = "0|1|nan", value_parser = parse_zero_division)]
    pub zero_division: Option<f64>,

    /// Digits after the point in the text layout (scikit-learn's digits=).
    #[arg(long, value_name = "N", default_value_t = 2,
        value_parser = clap::value_parser!(u8).range(0..=17))]
    pub digits: u8,

    /// Add each class's tp, fp, fn, tn (multilabel_confusion_matrix).
    #[arg(long)]
    pub confusion: bool,

    /// text: scikit-learn's layout; json: classification_report(output_dict=True); csv, tsv: a
    /// row per class and average.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Text)]
    pub output_format: ReportFormat,

    /// Print the state (counts) as JSON for `mlloss merge`, which prints the report.
    #[arg(long)]
    pub partial: bool,

    #[command(flatten)]
    pub inputs: InputArgs,
}

const EXAMPLES: &str = "\
Examples:
  mlloss report logits.csv targets.csv
  mlloss report --scores probs --threshold-file thresholds.csv --digits 4 probs.csv targets.csv
  mlloss report --top-k 3 --confusion --output-format json logits.csv targets.csv";

/// `--output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Csv,
    Tsv,
}

impl ReportFormat {
    fn name(self) -> &'static str {
        match self {
            ReportFormat::Text => "text",
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Tsv => "tsv",
        }
    }

    fn named(name: &str) -> Option<ReportFormat> {
        ReportFormat::from_str(name, false).ok()
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let usage = |m: String| UsageError::new("report", m);
    let threshold = match args.threshold.as_ref().map(|t| t.0.as_slice()) {
        Some([t]) => *t,
        _ => 0.5,
    };
    let zero_division = args
        .zero_division
        .map_or(ZeroDivision::Warn, ZeroDivision::Value);
    let spec = report_spec(
        args.inputs.scores_kind,
        threshold,
        zero_division,
        args.inputs.ignore_value,
    );
    spec.check().map_err(|p| usage(p.message))?;
    let opening = Opening {
        command: "report",
        memory_limit: 256 << 20,
        partial: args.partial,
    };
    let mut plan = Plan::open(&args.inputs, spec, &opening)?;
    plan.decision = settle(
        "report",
        args.threshold.as_ref(),
        threshold,
        &args.decision,
        &plan.classes,
        plan.spec.scores,
        true,
    )?
    .extras;
    let collected = collect(plan)?;
    let layout = ReportLayout {
        format: args.output_format.name().to_owned(),
        digits: usize::from(args.digits),
        confusion: args.confusion,
    };
    let text = if args.partial {
        let state = MetricsState {
            decision: collected.decision.clone(),
            report: Some(layout),
            ..MetricsState::new(&collected.spec, &collected.classes, &collected.tally)
        };
        serde_json::to_string(&state)? + "\n"
    } else {
        let report = classification_report(&collected.spec, &collected.tally, &collected.classes)
            .map_err(|e| InputError::new(collected.targets_file(), e.to_string()))?;
        lay_out(&report, &layout)
    };
    let mut out = Output::to(collected.output.as_deref())?;
    out.write_bytes(text.as_bytes())?;
    out.finish()?;
    collected.finish();
    Ok(())
}

/// `merge` of report states: the report, as the unsharded run prints it.
pub(crate) fn merged(
    state: &MetricsState,
    layout: &ReportLayout,
    file: &str,
) -> anyhow::Result<Vec<u8>> {
    if state.tally.rows == 0 {
        return Err(
            InputError::new(file, "no data rows: a report needs at least one sample").into(),
        );
    }
    let report = classification_report(&state.spec, &state.tally, &state.classes)
        .map_err(|e| InputError::new(file, e.to_string()))?;
    Ok(lay_out(&report, layout).into_bytes())
}

/// The report in its layout, its warnings printed.
fn lay_out(report: &ClassificationReport, layout: &ReportLayout) -> String {
    for warning in &report.warnings {
        crate::error::warn(warning);
    }
    match ReportFormat::named(&layout.format).unwrap_or(ReportFormat::Text) {
        ReportFormat::Text => text(report, layout.digits, layout.confusion),
        ReportFormat::Json => json(report, layout.confusion),
        ReportFormat::Csv => delimited(report, layout.confusion, ','),
        ReportFormat::Tsv => delimited(report, layout.confusion, '\t'),
    }
}

const HEADERS: [&str; 4] = ["precision", "recall", "f1-score", "support"];
const CONFUSION: [&str; 4] = ["tp", "fp", "fn", "tn"];

/// scikit-learn's text: names right-aligned to the longest (at least
/// `weighted avg`), each column ` {:>9}`, values `{:.digits f}`.
fn text(report: &ClassificationReport, digits: usize, confusion: bool) -> String {
    let names = report.rows[..report.classes]
        .iter()
        .map(|r| r.name.chars().count());
    let width = names
        .max()
        .unwrap_or(0)
        .max("weighted avg".len())
        .max(digits);
    let mut out = format!("{:>width$} ", "");
    let extra: &[&str] = if confusion { &CONFUSION } else { &[] };
    for h in HEADERS.iter().chain(extra) {
        let _ = write!(out, " {h:>9}");
    }
    out.push_str("\n\n");
    for (i, row) in report.rows.iter().enumerate() {
        if i == report.classes {
            out.push('\n');
        }
        let _ = write!(out, "{:>width$} ", row.name);
        for v in [row.precision, row.recall, row.f1] {
            let _ = write!(out, " {:>9}", fixed(v, digits));
        }
        let _ = write!(out, " {:>9}", row.support);
        if let (true, Some(c)) = (confusion, row.confusion) {
            for n in [c.tp, c.fp, c.fn_, c.tn] {
                let _ = write!(out, " {n:>9}");
            }
        }
        out.push('\n');
    }
    out
}

/// Python's `{:.{digits}f}` (nan, inf as Python writes them).
fn fixed(v: f64, digits: usize) -> String {
    if v.is_nan() {
        "nan".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{v:.digits$}")
    }
}

/// A float as Python's `repr`, NaN as `NaN` (Python's json).
fn python(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    let mut bytes = Vec::new();
    crate::format::write_f64(&mut bytes, v);
    String::from_utf8(bytes).expect("digits are ASCII")
}

/// `classification_report(output_dict=True)`: one object per row, keyed by
/// its name; support a float, as scikit-learn gives it.
fn json(report: &ClassificationReport, confusion: bool) -> String {
    let mut out = String::from("{");
    for (i, row) in report.rows.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let name = serde_json::to_string(&row.name).expect("a string");
        let _ = write!(
            out,
            "{name}: {{\"precision\": {}, \"recall\": {}, \"f1-score\": {}, \"support\": {}",
            python(row.precision),
            python(row.recall),
            python(row.f1),
            python(row.support as f64)
        );
        if let (true, Some(c)) = (confusion, row.confusion) {
            let _ = write!(
                out,
                ", \"tp\": {}, \"fp\": {}, \"fn\": {}, \"tn\": {}",
                c.tp, c.fp, c.fn_, c.tn
            );
        }
        out.push('}');
    }
    out.push_str("}\n");
    out
}

/// A header, then a row per class and average; an average's confusion
/// cells are empty.
fn delimited(report: &ClassificationReport, confusion: bool, sep: char) -> String {
    let quote = |s: &str| {
        if s.contains([sep, '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let extra: &[&str] = if confusion { &CONFUSION } else { &[] };
    let mut header = vec!["class"];
    header.extend(HEADERS.iter().chain(extra));
    let mut out = header.join(&sep.to_string()) + "\n";
    for row in &report.rows {
        let number = |v: f64| {
            if v.is_nan() {
                "nan".to_owned()
            } else {
                python(v)
            }
        };
        let mut cells = vec![
            quote(&row.name),
            number(row.precision),
            number(row.recall),
            number(row.f1),
            row.support.to_string(),
        ];
        if confusion {
            match row.confusion {
                Some(c) => cells.extend([c.tp, c.fp, c.fn_, c.tn].map(|n| n.to_string())),
                None => cells.extend([""; 4].map(str::to_owned)),
            }
        }
        out += &(cells.join(&sep.to_string()) + "\n");
    }
    out
}
