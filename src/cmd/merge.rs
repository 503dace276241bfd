//! `mlloss merge`: combines the `--partial` states of sharded `loss` runs
//! into the number the unsharded run prints. The states hold exact sums
//! (as f64 terms) and counts, so the merge is exact whatever the shards.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::error::InputError;
use crate::input::{Source, read_error};
use crate::loss::{Accumulator, Mismatch, Outcome, PARTIAL_VERSION, PartialState, Reduction};
use crate::output::{Cell, Digits, Element, Output, OutputFormat, ResultShape, TableLayout};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  mlloss loss --partial logits-1.csv targets-1.csv > part-1.json
  mlloss merge --reduction mean part-*.json
  split -l 100000 logits.csv x- && split -l 100000 targets.csv y- && \\
    ls x-* | sed 's/^x-//' | xargs -P 2 -I{} sh -c 'mlloss loss --partial x-{} y-{} > part-{}.json' && \\
    mlloss merge part-*.json")]
pub struct Args {
    /// States written by `mlloss loss --partial` (- for stdin, once).
    #[arg(value_name = "PARTIAL", required = true)]
    pub partials: Vec<PathBuf>,

    /// The result to print from the merged totals.
    #[arg(short, long, value_enum, default_value_t = MergeReduction::Mean)]
    pub reduction: MergeReduction,

    /// Layout of the output: csv, tsv, json, jsonl or npy [default: from -o FILE's extension, else
    /// csv].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,

    /// Print N significant digits (like printf's %.Ng) instead of the shortest round-trip form.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: Option<u8>,

    /// Write to FILE instead of stdout; FILE is replaced only if the command succeeds.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The reductions that totals can give (`none` and `row` are per row:
/// concatenate the shards' outputs instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MergeReduction {
    /// PyTorch's mean: one number.
    Mean,
    /// PyTorch's sum: one number.
    Sum,
    /// Mean over the samples of each class: C values on one line.
    Class,
}

impl From<MergeReduction> for Reduction {
    fn from(reduction: MergeReduction) -> Reduction {
        match reduction {
            MergeReduction::Mean => Reduction::Mean,
            MergeReduction::Sum => Reduction::Sum,
            MergeReduction::Class => Reduction::Class,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut merged: Option<(PartialState, Accumulator, String)> = None;
    for path in &args.partials {
        let source = Source::from_arg(path);
        let name = source.name();
        let state = read_state(&source)?;
        let accumulator = state.accumulator();
        match &mut merged {
            None => merged = Some((state, accumulator, name)),
            Some((first, total, first_name)) => {
                if let Some(Mismatch { what, detail }) = first.mismatch(&state) {
                    let what = format!("computed with another {what} than {first_name} ({detail})");
                    return Err(InputError::new(&name, what).into());
                }
                total.merge(&accumulator);
            }
        }
    }
    let (_, total, _) = merged.expect("clap requires one PARTIAL");
    let exporter = OutputFormat::choose(args.output_format, args.output.as_deref())
        .exporter(Digits::from_precision(args.precision));
    let mut line = Vec::new();
    let dims = match Reduction::from(args.reduction).outcome(&total) {
        Outcome::Scalar(value) => {
            exporter.scalar(&mut line, value);
            vec![]
        }
        Outcome::PerClass(values) => {
            exporter.array(&mut line, &values);
            vec![values.len() as u64]
        }
        Outcome::Rows => unreachable!("merge reductions are totals"),
    };
    let mut out = Output::to(args.output.as_deref())?;
    out.reserve_header(exporter.reserved_header_bytes())?;
    if exporter.is_table() {
        // One row: `loss`, or the classes numbered (a state keeps no names).
        let columns = match dims.first() {
            None => vec!["loss".to_owned()],
            Some(&c) => (0..c).map(|j| j.to_string()).collect(),
        };
        let cell = Cell::F64;
        out.start_table(TableLayout {
            key: None,
            columns,
            cell,
        })?;
    }
    out.write_bytes(&line)?;
    let element = Element::F64;
    out.set_result_shape(&*exporter, &ResultShape { dims, element })?;
    out.finish()?;
    Ok(())
}

/// Reads one state, refusing other formats and inconsistent totals.
fn read_state(source: &Source) -> anyhow::Result<PartialState> {
    let name = source.name();
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut *source.open()?, &mut text)
        .map_err(|e| read_error(&name, &e))?;
    let state: PartialState = serde_json::from_slice(&text).map_err(|e| {
        /// The version alone, to tell an older mlloss's state from a bad file.
        #[derive(serde::Deserialize)]
        struct Version {
            mlloss_partial: u32,
        }
        match serde_json::from_slice::<Version>(&text) {
            Ok(Version { mlloss_partial: v }) if v < PARTIAL_VERSION => InputError::new(
                &name,
                format!(
                    "a partial state of format {v} (an older mlloss), but this mlloss reads \
                     format {PARTIAL_VERSION}: run loss --partial again"
                ),
            ),
            _ => crate::input::json_error(&name, &e, 1),
        }
    })?;
    if let Some(problem) = state.problem() {
        return Err(InputError::new(&name, problem).into());
    }
    Ok(state)
}
