//! `mlloss tune`: each class's best threshold for an objective, exactly,
//! on `metrics`' pipeline (every input rule of `metrics`, the scores
//! spilled within `--memory-limit`, or `--bins`).
//!
//! - `args.rs`: the objective and its parameter, `--average`,
//!   `--undefined`, the examples;
//! - `table.rs`: the rows and their layout (the threshold file);
//! - here: the plan, each class's walk into a [`Sweep`]
//!   ([`crate::metrics::tune`], the maths), the undefined classes, the
//!   output (written atomically).

mod args;
mod table;

use crate::cmd::metrics::{Collected, CurveArgs, InputArgs, Opening, Plan, collect};
use crate::error::{InputError, UsageError};
use crate::metrics::tune::{Sweep, Tuned, Undefined as Why, bin_threshold};
use crate::metrics::{Average, Spec};
use crate::output::{Digits, Output, OutputFormat, ResultKind};
pub use args::{ObjectiveArg, TuneAverage, TuneUndefined};
use table::Row;

/// The command line of `mlloss tune`.
#[derive(Debug, clap::Args)]
#[command(after_help = args::EXAMPLES)]
#[command(mut_arg("bins", |a| a.help("Tune on B bins of σ(x) or p per class (bounded memory, \
    approximate: each threshold is a bin's edge) instead of every score")))]
#[command(mut_arg("memory_limit", |a| a.help("Memory for every score: beyond it they are sorted \
    in runs, kept in temporary files ($TMPDIR) and merged. K, M, G suffixes are powers of 1024")))]
pub struct Args {
    /// What the threshold maximises, over every distinct score of the class (ties: the higher
    /// threshold).
    #[arg(long, value_enum, value_name = "OBJ")]
    pub objective: ObjectiveArg,

    /// fbeta's β (≥ 0).
    #[arg(long, value_name = "B", allow_hyphen_values = true)]
    pub beta: Option<f64>,

    /// precision-at-recall's least recall, in (0, 1]: recall = tp / P ≥ R, compared in float64.
    #[arg(long, value_name = "R", allow_hyphen_values = true)]
    pub min_recall: Option<f64>,

    /// recall-at-precision's least precision, in (0, 1]: tp / (tp + fp) ≥ P, in float64.
    #[arg(long, value_name = "P", allow_hyphen_values = true)]
    pub min_precision: Option<f64>,

    /// none: a threshold per class; micro: one for all, maximising the objective of every
    /// element pooled (a row `micro`).
    #[arg(short, long, value_enum, value_name = "AVG", default_value_t = TuneAverage::None)]
    pub average: TuneAverage,

    /// A class without a threshold (no positive target; no negative one for youden; no cut
    /// reaching --min-precision): nan (a row of NaN and a warning), error, or skip (no row).
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = TuneUndefined::Nan)]
    pub undefined: TuneUndefined,

    #[command(flatten)]
    pub inputs: InputArgs,

    #[command(flatten)]
    pub curves: CurveArgs,

    /// Layout of the threshold file: csv, tsv, json (an array of objects) or jsonl (an object
    /// per line) [default: from -o FILE's extension, else csv].
    #[arg(
        long,
        value_name = "FORMAT",
        value_parser = crate::output::formats_holding(ResultKind::Report)
    )]
    pub output_format: Option<OutputFormat>,

    /// Print N significant digits instead of the shortest round-trip form (a threshold so
    /// rounded may no longer decide as the tuned one).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: Option<u8>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let objective = args::objective(
        args.objective,
        args.beta,
        args.min_recall,
        args.min_precision,
    )
    .map_err(|message| UsageError::new("tune", message))?;
    let format = args::output_format(args.output_format, args.inputs.output.as_deref());
    if !format.holds(ResultKind::Report) {
        let message = format!(
            "tune writes a threshold file: csv, tsv, json or jsonl, not {} (--output-format)",
            format.name()
        );
        return Err(UsageError::new("tune", message).into());
    }
    let spec = spec(&args)?;
    let opening = Opening {
        command: "tune",
        memory_limit: args.curves.memory_limit,
        partial: false,
    };
    let collected = collect(Plan::open(&args.inputs, spec, &opening)?)?;
    let pooled = args.average == TuneAverage::Micro;
    let sweeps = collected.walk(pooled, |_, p, n| Sweep::new(objective, p, n))?;
    let rows = rows(&collected, &sweeps, pooled, args.undefined)?;
    let mut out = Output::to(collected.output.as_deref())?;
    let digits = Digits::from_precision(args.precision);
    out.write_bytes(&table::layout(&rows, objective.column(), format, digits))?;
    out.finish()?;
    collected.finish();
    Ok(())
}

/// The spec of the pipeline: no metric, every score kept (or binned).
fn spec(args: &Args) -> Result<Spec, UsageError> {
    let average = match args.average {
        TuneAverage::None => Average::None,
        TuneAverage::Micro => Average::Micro,
    };
    let bins = args.curves.bins.map(|b| b as usize);
    let spec = Spec::walking(
        args.inputs.scores_kind,
        average,
        args.inputs.ignore_value,
        bins,
    );
    spec.check()
        .map_err(|problem| UsageError::new("tune", problem.message))?;
    Ok(spec)
}

/// Each unit's row; the undefined ones as `--undefined` says.
fn rows(
    collected: &Collected,
    sweeps: &[Sweep],
    pooled: bool,
    undefined: TuneUndefined,
) -> anyhow::Result<Vec<Row>> {
    let spec = &collected.spec;
    let mut rows = Vec::new();
    let mut missing: Vec<(Why, Vec<&str>)> = Vec::new();
    for (i, sweep) in sweeps.iter().enumerate() {
        let name = if pooled {
            "micro"
        } else {
            &collected.classes[i]
        };
        let mut tuned = sweep.finish();
        if let (Tuned::Best(cut), Some(bins)) = (&mut tuned, spec.bins) {
            // The bin's lower edge b / B, as the smallest probability of bin b.
            cut.score = bin_threshold((cut.score * bins as f64).round() as usize, bins);
        }
        if let Tuned::Undefined(why) = tuned {
            match missing.iter_mut().find(|(w, _)| *w == why) {
                Some((_, names)) => names.push(name),
                None => missing.push((why, vec![name])),
            }
            if undefined == TuneUndefined::Skip {
                continue;
            }
        }
        let binned = spec.bins.is_some();
        rows.push(Row::new(
            name,
            &tuned,
            sweep.positives(),
            spec.scores,
            binned,
        ));
    }
    for (why, names) in &missing {
        let units = match pooled {
            true => "all elements pooled (micro)".to_owned(),
            false => format!("classes {}", names.join(", ")),
        };
        let what = format!("no threshold for {units} ({})", why.why());
        match undefined {
            TuneUndefined::Error => {
                let message = format!("{what} (--undefined nan or skip)");
                return Err(InputError::new(collected.targets_file(), message).into());
            }
            TuneUndefined::Nan => crate::error::warn(&format!(
                "tune: {what}: a row of NaN (--undefined error, nan or skip)"
            )),
            TuneUndefined::Skip => {
                crate::error::note(&format!("tune: {what}: left out (--undefined skip)"))
            }
        }
    }
    Ok(rows)
}
