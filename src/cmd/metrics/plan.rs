//! `metrics`' plan: the command line checked, SCORES and TARGETS opened and
//! paired (every rule `loss` has: [`crate::cmd::pairing`]), and the width C
//! settled on the first rows. Every usage error comes out of here, before
//! any output.

use std::path::PathBuf;

use super::args::Args;
use super::inputs::InputArgs;
use crate::cmd::explain::Explanation;
use crate::cmd::options::thread_count;
use crate::cmd::pairing::job::{Job, Readers};
use crate::cmd::pairing::{self, PairOptions, Settled};
use crate::cmd::target_labels;
use crate::domain::Domain;
use crate::error::{InputError, UsageError};
use crate::input::{ChunkLimit, Source};
use crate::metrics::calibration::{self, CalibrationBinning};
use crate::metrics::{DecisionExtras, Family, Scores, Spec, listing};

/// `command` on no samples: the error of a run, and of a merge of empty
/// states.
pub(crate) fn no_rows(command: &str) -> String {
    format!("no data rows: {command} needs at least one sample")
}

/// Rows of the first job, which the main thread runs itself.
const FIRST_JOB_ROWS: usize = 64;

/// The inputs opened and paired and the width settled, for a spec: what
/// every command on `metrics`' pipeline ([`super::pipeline`]) runs.
pub(crate) struct Plan {
    pub(crate) spec: Spec,
    /// What the decision rule adds to the spec's one threshold (settled by
    /// the command once the classes are known; none by default).
    pub(crate) decision: DecisionExtras,
    /// The classes' names: SCORES' (or TARGETS') header, else 0…C−1.
    pub(crate) classes: Vec<String>,
    pub(super) readers: Readers,
    pub(super) first: Job,
    pub(crate) threads: usize,
    /// Bytes for the exact curves' scores (`--memory-limit`), when kept.
    pub(super) memory_limit: Option<u64>,
    pub(crate) output: Option<PathBuf>,
    pub(super) quiet: bool,
    pub(super) total_bytes: Option<u64>,
    /// `--explain`: the rows read are said at the end too.
    pub(super) explain: bool,
}

/// What a command asks of the plan beyond its inputs.
pub(crate) struct Opening {
    /// The command, in messages.
    pub(crate) command: &'static str,
    /// `--memory-limit` (the exact curves' scores and `--bins`' histograms).
    pub(crate) memory_limit: u64,
    /// `--partial`: an empty input is an empty state, not an error.
    pub(crate) partial: bool,
}

impl Plan {
    /// `metrics`' plan: its spec from the command line, checked.
    pub(super) fn new(args: &Args) -> anyhow::Result<Plan> {
        let spec = spec(args)?;
        check_output(args, &spec)?;
        let opening = Opening {
            command: "metrics",
            memory_limit: args.curves.memory_limit,
            partial: args.partial,
        };
        let mut plan = Plan::open(&args.inputs, spec, &opening)?;
        plan.decision = crate::cmd::decision::settle(
            "metrics",
            args.threshold.as_ref(),
            plan.spec.threshold,
            &args.decision,
            &plan.classes,
            plan.spec.scores,
            true,
        )?
        .extras;
        Ok(plan)
    }

    /// The plan of `spec` (checked by the command) on `inputs`: SCORES and
    /// TARGETS opened and paired, the first rows read and the width C
    /// settled, the curves' memory checked. Every usage error comes out of
    /// here or the command, before any output.
    pub(crate) fn open(inputs: &InputArgs, spec: Spec, opening: &Opening) -> anyhow::Result<Plan> {
        let scores = Source::from_arg(&inputs.scores_file);
        let targets = inputs.targets.as_deref().map(Source::from_arg);
        if scores.is_stdin() && targets.as_ref().is_some_and(Source::is_stdin) {
            return Err(usage(opening.command, "only one input can be stdin (-)").into());
        }
        let (mut readers, settled) =
            open_and_pair(inputs, opening.command, &spec, &scores, targets.as_ref())?;
        let mut first = Job::default();
        readers.cut(ChunkLimit::Rows(FIRST_JOB_ROWS), &mut first)?;
        let cols = match pairing::settle_shape(&readers, &first)? {
            Some(cols) => cols,
            // An empty shard (GNU parallel may hand one a header alone):
            // its state merges with any of the same spec.
            None if opening.partial => settled.classes.as_ref().map_or(0, Vec::len),
            None => {
                let why = no_rows(opening.command);
                return Err(InputError::new(readers.logits.file(), why).into());
            }
        };
        let single_class_problem = spec
            .metrics
            .iter()
            .find_map(|m| m.kind().single_class_problem());
        if let Some(why) = single_class_problem.filter(|_| cols == 1) {
            let what = format!("one class: {why}");
            return Err(InputError::new(readers.logits.file(), what).into());
        }
        let threads = thread_count(inputs.threads);
        let limit = opening.memory_limit;
        if let Some(bins) = spec.bins.filter(|_| spec.needs_class_curves()) {
            check_bins(opening.command, bins, cols, threads, limit)?;
        }
        if let Some(bins) = spec.uniform_calibration_bins() {
            check_calibration_bins(opening.command, bins, cols, threads, limit)?;
        }
        if let Some(warning) = &settled.warning {
            crate::error::warn(warning);
        }
        if inputs.table.explain {
            let sources = [Some(&scores), targets.as_ref()];
            explain(inputs, sources, &readers, settled.classes.as_deref());
        }
        let classes = settled
            .classes
            .unwrap_or_else(|| (0..cols).map(|j| j.to_string()).collect());
        let exact_curves = spec.keeps_every_score();
        if exact_curves {
            check_memory_limit(opening.command, limit, threads, cols)?;
        }
        Ok(Plan {
            decision: DecisionExtras::default(),
            classes,
            readers,
            first,
            threads,
            memory_limit: exact_curves.then_some(limit),
            output: inputs.output.clone(),
            quiet: inputs.quiet,
            total_bytes: scores.plain_size(),
            explain: inputs.table.explain,
            spec,
        })
    }
}

/// SCORES and TARGETS opened, and their columns paired (or TARGETS' label
/// lists set up).
fn open_and_pair(
    inputs: &InputArgs,
    command: &'static str,
    spec: &Spec,
    scores: &Source,
    targets: Option<&Source>,
) -> anyhow::Result<(Readers, Settled)> {
    let scores_domain = match spec.scores {
        Scores::Logits => Domain::FINITE,
        Scores::Probs => Domain::PROBABILITY,
    };
    let targets_domain = Domain::BINARY.with_missing(spec.ignore_value);
    let labels = &inputs.labels;
    labels.check(
        command,
        inputs.table.key.as_deref(),
        inputs.targets.as_deref(),
        inputs.targets_columns.as_ref(),
    )?;
    let options: PairOptions = inputs.pair_options(command);
    let mut readers = pairing::open_readers(
        &options,
        scores,
        targets,
        labels.target_labels,
        scores_domain,
        targets_domain,
    )?;
    pairing::check_array_shapes(Some((2, command)), &options, &readers)?;
    let settled = if labels.target_labels {
        Settled {
            classes: target_labels::settle(labels, &inputs.label_inputs(command), &mut readers)?,
            warning: None,
        }
    } else {
        pairing::settle_columns(&options, &mut readers)?
    };
    Ok((readers, settled))
}

/// `--explain`: how SCORES and TARGETS (when not in SCORES' file) were
/// read and paired.
fn explain(
    inputs: &InputArgs,
    [scores, targets]: [Option<&Source>; 2],
    readers: &Readers,
    classes: Option<&[String]>,
) {
    let mut explanation = Explanation::default();
    let format = inputs.table.format;
    if let Some(scores) = scores {
        explanation.input("SCORES", &readers.logits, scores, format);
    }
    if let Some(targets) = targets {
        explanation.input("TARGETS", &readers.targets, targets, format);
    }
    explanation.pairing(readers, classes);
    explanation.print(true);
}

/// The spec from the options, checked as scikit-learn checks its
/// parameters ([`Spec::check`], which checks the states `merge` reads too).
fn spec(args: &Args) -> Result<Spec, UsageError> {
    let mut metrics = Vec::new();
    for &m in &args.metric {
        if !metrics.contains(&m) {
            metrics.push(m);
        }
    }
    let mut spec = Spec {
        metrics,
        average: args.average,
        scores: args.inputs.scores_kind,
        threshold: args.one_threshold(),
        zero_division: args.zero_division(),
        undefined: args.undefined(),
        beta: args.beta,
        k: args.k,
        ignore_value: args.inputs.ignore_value,
        bins: args.curves.bins.map(|b| b as usize),
        walks_curves: false,
        calibration: None,
    };
    // Set whenever given, so that the check refuses it without ece or mce.
    let given = args.calibration_bins.is_some() || args.calibration_binning.is_some();
    if given || spec.calibration_binned() {
        spec.calibration = Some(CalibrationBinning {
            bins: args
                .calibration_bins
                .map_or(calibration::DEFAULT_BINS, |b| b as usize),
            binning: args.calibration_binning.unwrap_or_default(),
        });
    }
    spec.check()
        .map_err(|problem| usage("metrics", &problem.message))?;
    Ok(spec)
}

/// Outputs that cannot hold a report, and `--partial` of what cannot merge.
fn check_output(args: &Args, spec: &Spec) -> Result<(), UsageError> {
    if !args.partial {
        super::check_report_format(args.output_format(), "metrics")?;
    }
    if args.partial && spec.quantile_calibration() {
        return Err(usage(
            "metrics",
            "--calibration-binning quantile needs every probability of a class, which a \
             --partial state does not keep: use --calibration-binning uniform (mergeable)",
        ));
    }
    if args.partial && spec.needs_class_curves() && spec.bins.is_none() {
        return Err(usage(
            "metrics",
            &format!(
                "exact {} need every score, which a --partial state does not keep: add --bins B (a \
             mergeable approximation) or use --average samples",
                listing::family(Family::Curve)
            ),
        ));
    }
    Ok(())
}

/// `--bins`' histograms against `--memory-limit`: C × B pairs of counts
/// (16 bytes) for each thread and one more for the main thread's (which
/// the others merge into), all held at once.
fn check_bins(
    command: &'static str,
    bins: usize,
    cols: usize,
    threads: usize,
    limit: u64,
) -> Result<(), UsageError> {
    let each = (cols as u128) * (bins as u128) * 16;
    let histograms = threads as u128 + 1;
    let total = each * histograms;
    if total > u128::from(limit) {
        return Err(usage(
            command,
            &format!(
                "--bins {bins} for {cols} classes takes {each} bytes of counts per histogram, \
             {total} for {histograms} histograms ({threads} threads and the main one), more \
             than --memory-limit {limit}: fewer bins, fewer threads (-j), or a larger limit"
            ),
        ));
    }
    Ok(())
}

/// ECE's and MCE's uniform bins against `--memory-limit`: B + 1 bins per
/// class, for each thread and the main one, each at most about 640 bytes
/// (48 for its counts and fixed-point sum, and an `ExactSum` of ~592 once a
/// value outside [2^-35, 1] reaches it: the bound holds for any input).
fn check_calibration_bins(
    command: &'static str,
    bins: usize,
    cols: usize,
    threads: usize,
    limit: u64,
) -> Result<(), UsageError> {
    let each = (cols as u128) * (bins as u128 + 1) * 640;
    let total = each * (threads as u128 + 1);
    if total > u128::from(limit) {
        return Err(usage(
            command,
            &format!(
                "--calibration-bins {bins} for {cols} classes takes about {each} bytes of sums \
                 per thread, {total} for {threads} threads and the main one, more than \
                 --memory-limit {limit}: fewer bins, fewer threads (-j), or a larger limit"
            ),
        ));
    }
    Ok(())
}

/// Exact curves keep each thread's share of the limit; below a floor per
/// class the runs spilled would be so small that their number (and the
/// merge's time and tables) would grow out of proportion.
fn check_memory_limit(
    command: &'static str,
    limit: u64,
    threads: usize,
    cols: usize,
) -> Result<(), UsageError> {
    let per_thread =
        (super::spill::MIN_BYTES_PER_CLASS * cols as u64).max(super::spill::MIN_BYTES_PER_THREAD);
    let needed = per_thread.saturating_mul(threads as u64);
    if limit < needed {
        return Err(usage(
            command,
            &format!(
                "--memory-limit {limit} is too small for exact {} of {cols} classes on {threads} \
             threads: at least {needed} bytes ({per_thread} a thread); give a larger limit, fewer \
             threads (-j), or --bins",
                listing::family(Family::Curve)
            ),
        ));
    }
    Ok(())
}

fn usage(command: &'static str, message: &str) -> UsageError {
    UsageError::new(command, message.to_owned())
}
