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

use clap::ValueEnum;

use crate::cmd::metrics::{CurveArgs, InputArgs, Opening, Plan, collect, no_rows};
use crate::error::{InputError, UsageError};
use crate::metrics::state::MetricsState;
use crate::metrics::tune::{Sweep, TuneLayout, Tuned, Undefined as Why, bin_threshold};
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

    /// Print the state (--bins' histograms) as JSON for `mlloss merge`, which tunes on the
    /// merged histograms and writes the threshold file (needs --bins).
    #[arg(long)]
    pub partial: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let usage = |message: String| UsageError::new("tune", message);
    let objective = args::objective(
        args.objective,
        args.beta,
        args.min_recall,
        args.min_precision,
    )
    .map_err(usage)?;
    let format = args::output_format(args.output_format, args.inputs.output.as_deref());
    if !format.holds(ResultKind::Report) {
        let message = format!(
            "tune writes a threshold file: csv, tsv, json or jsonl, not {} (--output-format)",
            format.name()
        );
        return Err(usage(message).into());
    }
    if args.partial && args.curves.bins.is_none() {
        let message = "--partial needs --bins B: exact thresholds need every score, which no \
                       state holds; histograms of B bins merge";
        return Err(usage(message.to_owned()).into());
    }
    let layout = TuneLayout {
        objective,
        pooled: args.average == TuneAverage::Micro,
        undefined: args
            .undefined
            .to_possible_value()
            .map_or("nan".into(), |v| v.get_name().into()),
        format: format.name().to_owned(),
        precision: args.precision,
    };
    let spec = spec(&args)?;
    let opening = Opening {
        command: "tune",
        memory_limit: args.curves.memory_limit,
        partial: args.partial,
    };
    let collected = collect(Plan::open(&args.inputs, spec, &opening)?)?;
    let text = if args.partial {
        let state = MetricsState {
            tune: Some(layout),
            ..MetricsState::new(&collected.spec, &collected.classes, &collected.tally)
        };
        (serde_json::to_string(&state)? + "\n").into_bytes()
    } else {
        let make = |_, p, n| Sweep::new(objective, p, n);
        let sweeps = collected.walk(layout.pooled, make)?;
        let (spec, classes) = (&collected.spec, &collected.classes);
        thresholds(spec, classes, &sweeps, &layout, collected.targets_file())?
    };
    let mut out = Output::to(collected.output.as_deref())?;
    out.write_bytes(&text)?;
    out.finish()?;
    collected.finish();
    Ok(())
}

/// `merge` of tune states: the threshold file the unsharded `tune --bins`
/// run writes, from the merged histograms.
pub(crate) fn merged(
    state: &MetricsState,
    layout: &TuneLayout,
    file: &str,
) -> anyhow::Result<Vec<u8>> {
    if state.tally.rows == 0 {
        return Err(InputError::new(file, no_rows("tune")).into());
    }
    let Some(bins) = &state.tally.bins else {
        anyhow::bail!("a checked tune state has histograms (a bug: please report)");
    };
    let units: Vec<Option<usize>> = match layout.pooled {
        true => vec![None],
        false => (0..state.tally.classes).map(Some).collect(),
    };
    let sweeps: Vec<Sweep> = units
        .into_iter()
        .map(|class| {
            let (p, n) = (bins.groups(class).iter()).fold((0, 0), |(p, n), g| (p + g.0, n + g.1));
            let mut sweep = Sweep::new(layout.objective, p, n);
            bins.walk(class, &mut sweep);
            sweep
        })
        .collect();
    thresholds(&state.spec, &state.classes, &sweeps, layout, file)
}

/// The threshold file of the units' sweeps.
fn thresholds(
    spec: &Spec,
    classes: &[String],
    sweeps: &[Sweep],
    layout: &TuneLayout,
    file: &str,
) -> anyhow::Result<Vec<u8>> {
    let undefined = TuneUndefined::from_str(&layout.undefined, false).map_err(|_| {
        anyhow::anyhow!("a checked tune state's --undefined (a bug: please report)")
    })?;
    let rows = rows(spec, classes, sweeps, layout.pooled, undefined, file)?;
    let format = OutputFormat::named(&layout.format)
        .ok_or_else(|| anyhow::anyhow!("a checked tune state's format (a bug: please report)"))?;
    let digits = Digits::from_precision(layout.precision);
    Ok(table::layout(
        &rows,
        layout.objective.column(),
        format,
        digits,
    ))
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
    spec: &Spec,
    classes: &[String],
    sweeps: &[Sweep],
    pooled: bool,
    undefined: TuneUndefined,
    file: &str,
) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut missing: Vec<(Why, Vec<&str>)> = Vec::new();
    for (i, sweep) in sweeps.iter().enumerate() {
        let name = if pooled { "micro" } else { &classes[i] };
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
                return Err(InputError::new(file, message).into());
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
