//! `loss`'s plan, in the manner of ripgrep's low-level → high-level
//! arguments: the command line is checked, the inputs opened, and the
//! first rows of each read to settle the shape (the width C, the headers)
//! and the weights; what is left is to compute. Every usage error comes
//! out of here, before any output.

use std::path::PathBuf;

use super::args::{Args, Nonfinite, NumberList, PosWeight, ReductionArg};
use super::class_counts;
use super::kind_options::{check_class_counts, check_required, kinds_that};
use super::sources::Sources;
use super::weights;
use super::worker::Kernel;
use crate::cmd::explain::Explanation;
use crate::cmd::options::thread_count;
use crate::cmd::pairing::job::{Job, Readers};
use crate::cmd::pairing::{self, Settled};
use crate::cmd::target_labels::{self, LabelInputs};
use crate::domain::Domain;
use crate::error::{InputError, UsageError};
use crate::input::ChunkLimit;
use crate::loss::{Kind, Loss, Missing, PerRow, Reduction};
use crate::output::{Cell, Digits, ResultKind, RowLayout};

/// Rows of the first job, which the main thread runs itself: the plan
/// settles the shape on them before any worker starts.
const FIRST_JOB_ROWS: usize = 64;

/// Everything `loss` decided before computing.
pub(super) struct Plan {
    /// What each printed row holds: its columns' names (`--header`'s
    /// line, a table's schema).
    pub(super) layout: RowLayout,
    /// The loss, the shape and the layout, shared by every thread.
    pub(super) kernel: Kernel,
    /// The result to print at the end (`--partial`: the totals instead).
    pub(super) reduction: Reduction,
    pub(super) partial: bool,
    /// Every input, positioned after the first job.
    pub(super) readers: Readers,
    pub(super) first: Job,
    pub(super) threads: usize,
    pub(super) output: Option<PathBuf>,
    pub(super) quiet: bool,
    /// The size of LOGITS, for progress, when it is a file.
    pub(super) total_bytes: Option<u64>,
    /// `--explain`: the rows read are said at the end too.
    pub(super) explain: bool,
}

impl Plan {
    /// The steps in order: the command line checked, the inputs opened and
    /// paired, the width and weights settled on the first rows, and what
    /// the run needs put together.
    pub(super) fn new(args: &Args) -> anyhow::Result<Plan> {
        let mut kind = checked_kind(args)?;
        let sources = Sources::new(args)?;
        let Opened {
            mut readers,
            settled,
            mut first,
            targets_domain,
        } = open_inputs(args, &kind, &sources)?;
        let cols = match pairing::settle_shape(&readers, &first)? {
            Some(cols) => cols,
            // No samples at all: PyTorch's answer for an N = 0 batch (sum 0,
            // mean NaN, no rows), over the classes the headers name.
            None => no_samples(args, &kind, &readers, &settled)?,
        };
        if first.x.row_count() > 0 {
            check_class_counts(&mut kind, cols, readers.logits.file())?;
        }
        kind.prepare();
        let weights = weights::settle(
            args,
            &sources,
            targets_domain,
            &mut readers,
            &mut first,
            cols,
        )?;
        // Warnings once the plan holds: an error alone is one line.
        for warning in settled.warning.iter().chain(&weights.warnings) {
            crate::error::warn(warning);
        }
        explain(
            args,
            &sources,
            &readers,
            settled.classes.as_deref(),
            &weights,
        );
        let [weight, pos_weight] = weights.per_class;
        if let Some(slot) = kind.pos_weight() {
            *slot = pos_weight;
        }
        let loss = Loss {
            kind,
            weight,
            label_smoothing: args.label_smoothing.unwrap_or(0.0),
            missing: args.ignore_value.map(Missing),
        };
        let kernel = kernel(loss, args, cols, &readers, weights.per_row);
        let layout = row_layout(args, &kernel, &readers, settled.classes);
        Ok(Plan {
            layout,
            kernel,
            reduction: Reduction::from(args.reduction),
            partial: args.partial,
            readers,
            first,
            threads: thread_count(args.threads),
            output: args.output.clone(),
            quiet: args.quiet,
            total_bytes: sources.logits.plain_size(),
            explain: args.table.explain,
        })
    }
}

/// The kind with its parameters, once the command line holds together:
/// every option applies to it and every number is in its range.
fn checked_kind(args: &Args) -> anyhow::Result<Kind> {
    args.params.check_owners(&args.kind.kind()).map_err(usage)?;
    let mut kind = args.params.apply(args.kind.kind(), class_counts::read)?;
    if let Some(batch_size) = kind.batch_size() {
        *batch_size = args.batch_size;
    }
    check_options(&kind, args)?;
    check_batch_options(&kind, args)?;
    check_required(&mut kind)?;
    check_values(&kind, args)?;
    Ok(kind)
}

/// The inputs opened, their columns paired, and the first job cut.
struct Opened {
    readers: Readers,
    settled: Settled,
    first: Job,
    /// What TARGETS may hold (`--pos-weight auto` reads it again).
    targets_domain: Domain,
}

/// Opens LOGITS and TARGETS with the domains the kind gives them, pairs
/// their columns, and cuts the first job (which settles the shape).
fn open_inputs(args: &Args, kind: &Kind, sources: &Sources) -> anyhow::Result<Opened> {
    let allow_nonfinite = args.nonfinite == Nonfinite::Allow;
    let targets_domain = kind
        .targets_domain()
        .with_nonfinite(allow_nonfinite)
        .with_missing(args.ignore_value);
    let logits_domain = kind.logits_domain().with_nonfinite(allow_nonfinite);
    let options = args.pair_options();
    let mut readers = pairing::open_readers(
        &options,
        &sources.logits,
        sources.targets.as_ref(),
        args.labels.target_labels,
        logits_domain,
        targets_domain,
    )?;
    let rank = kind.max_rank().map(|max| (max, kind.name()));
    pairing::check_array_shapes(rank, &options, &readers)?;
    let settled = settle_columns(args, &mut readers)?;
    let mut first = Job::default();
    readers.cut(ChunkLimit::Rows(FIRST_JOB_ROWS), &mut first)?;
    Ok(Opened {
        readers,
        settled,
        first,
        targets_domain,
    })
}

/// `--explain`: how the inputs were read and paired.
fn explain(
    args: &Args,
    sources: &Sources,
    readers: &Readers,
    classes: Option<&[String]>,
    weights: &weights::Weights,
) {
    if !args.table.explain {
        return;
    }
    let mut explanation = Explanation::default();
    let format = args.table.format;
    explanation.input("LOGITS", &readers.logits, &sources.logits, format);
    if args.labels.target_labels {
        let file = sources.targets().name();
        explanation.note(format!("TARGETS {file}: label lists (--target-labels)"));
    } else if sources.targets.is_some() {
        explanation.input("TARGETS", &readers.targets, sources.targets(), format);
    }
    explanation.pairing(readers, classes);
    for line in &weights.explained {
        explanation.note(line.clone());
    }
    explanation.print(true);
}

/// The width of a run with no samples at all (PyTorch's answer for an
/// N = 0 batch: sum 0, mean NaN, no rows): the classes the headers name;
/// an error where PyTorch raises.
fn no_samples(
    args: &Args,
    kind: &Kind,
    readers: &Readers,
    settled: &Settled,
) -> anyhow::Result<usize> {
    let classes = settled.classes.as_ref().map_or(0, Vec::len);
    let reduction = Reduction::from(args.reduction);
    let empty = Loss::new(kind.clone()).empty_batch_problem(classes, reduction);
    if let Some(problem) = empty.filter(|_| !args.partial) {
        return Err(InputError::new(readers.logits.file(), problem).into());
    }
    crate::error::warn(&format!(
        "{} and {} have no data rows: the loss of no samples",
        readers.logits.file(),
        readers.targets.file()
    ));
    Ok(classes)
}

/// What every thread needs: the loss, what each row gives, the layout of
/// the output, and how to parse each input.
fn kernel(
    loss: Loss,
    args: &Args,
    cols: usize,
    readers: &Readers,
    per_row_weights: [Option<usize>; 2],
) -> Kernel {
    // A partial state keeps every total, per class too.
    let rows_reduction = if args.partial {
        Reduction::Class
    } else {
        Reduction::from(args.reduction)
    };
    let weight_infos = [0, 1].map(|i| {
        let reader = readers.weights[i].as_ref();
        reader
            .zip(per_row_weights[i])
            .map(|(r, width)| (r.info().clone(), width))
    });
    let batch_loss = match &loss.kind {
        Kind::TwoWay(two_way) => Some(two_way.clone()),
        _ => None,
    };
    // A batch loss's rows go to its batches; nothing is printed per row.
    let per_row = match batch_loss {
        Some(_) => PerRow::Totals,
        None => rows_reduction.per_row(loss.kind.shape()),
    };
    Kernel {
        per_row,
        per_class: rows_reduction.per_class() && batch_loss.is_none(),
        batch_loss,
        keyed: readers.keyed.is_some(),
        loss,
        exporter: args
            .output_format()
            .exporter(Digits::from_precision(args.precision)),
        cols,
        x_info: readers.logits.info().clone(),
        y_info: readers.targets.info().clone(),
        weight_infos,
    }
}

/// What each printed row holds, named: the key's column (rows by key),
/// then the classes' for rows of element losses and for `class`, else
/// `loss`. Without names in the inputs, the classes are numbered from 0.
fn row_layout(
    args: &Args,
    kernel: &Kernel,
    readers: &Readers,
    classes: Option<Vec<String>>,
) -> RowLayout {
    let classes = || classes.unwrap_or_else(|| (0..kernel.cols).map(|j| j.to_string()).collect());
    let key = readers.keyed.as_ref().map(|k| match &k.key {
        pairing::columns::Key::Named(name) => name.clone(),
        pairing::columns::Key::Index => String::new(),
    });
    let columns = match (kernel.per_row, Reduction::from(args.reduction)) {
        (PerRow::Elements, _) | (_, Reduction::Class) => classes(),
        _ => vec!["loss".to_owned()],
    };
    RowLayout {
        key: key.filter(|_| kernel.per_row != PerRow::Totals),
        columns,
        cell: Cell::F64,
        header: args.header,
    }
}

/// Which fields of LOGITS and TARGETS are the classes (LOGITS' alone, with
/// label lists), and whether rows pair by key.
fn settle_columns(args: &Args, readers: &mut Readers) -> anyhow::Result<Settled> {
    if args.labels.target_labels {
        let inputs = LabelInputs {
            command: "loss",
            logits_columns: args.logits_columns.as_ref(),
            targets: args.targets.as_deref(),
            format: args.table.format,
        };
        return Ok(Settled {
            classes: target_labels::settle(&args.labels, &inputs, readers)?,
            warning: None,
        });
    }
    pairing::settle_columns(&args.pair_options(), readers)
}

fn usage(message: String) -> UsageError {
    UsageError::new("loss", message)
}

/// Options that do not apply to the kind: another kind's parameters, and
/// what only some kinds take (weights, smoothing, missing targets).
fn check_options(kind: &Kind, args: &Args) -> Result<(), UsageError> {
    let name = kind.name();
    let result = if args.partial {
        ResultKind::State
    } else {
        ResultKind::Numbers
    };
    let names = args.header.then_some(ResultKind::ColumnNames);
    let kinds: Vec<ResultKind> = [Some(result), names].into_iter().flatten().collect();
    (args.output_format()).check("loss", &kinds, args.output.as_deref())?;
    let pos_weight = args.pos_weight.is_some() || args.pos_weight_file.is_some();
    if pos_weight && !kind.takes_pos_weight() {
        return Err(usage(format!(
            "--pos-weight applies to --kind {} only, not {name}",
            kinds_that(Kind::takes_pos_weight)
        )));
    }
    args.params.check_owners(kind).map_err(usage)?;
    // What applies to every kind that takes it.
    type Takes = fn(&Kind) -> bool;
    let modifiers: [(bool, &str, Takes); 3] = [
        (
            args.weight.is_some() || args.weight_file.is_some(),
            "--weight",
            Kind::takes_modifiers,
        ),
        (
            args.label_smoothing.is_some(),
            "--label-smoothing",
            Kind::takes_modifiers,
        ),
        (
            args.ignore_value.is_some(),
            "--ignore-value",
            Kind::takes_ignore_value,
        ),
    ];
    if let Some((_, option, takes)) = modifiers.iter().find(|(given, _, _)| *given)
        && !takes(kind)
    {
        return Err(usage(format!(
            "{option} applies to --kind {} only, not {name}",
            kinds_that(takes)
        )));
    }
    if (args.weight.is_some() || args.weight_file.is_some()) && !kind.takes_weight() {
        return Err(usage(format!(
            "--weight applies to --kind {} only, not {name}",
            kinds_that(Kind::takes_weight)
        )));
    }
    if let Some(problem) = Reduction::from(args.reduction).problem(kind.shape()) {
        return Err(usage(format!("--kind {name}: {problem}")));
    }
    Ok(())
}

/// `--batch-size` applies to batch losses only, and batch losses give
/// one value per batch: no per-row or per-class reduction.
fn check_batch_options(kind: &Kind, args: &Args) -> Result<(), UsageError> {
    let name = kind.name();
    if args.batch_size.is_some() && !kind.is_batch_loss() {
        return Err(usage(format!(
            "--batch-size applies to --kind {} only, not {name}",
            kinds_that(Kind::is_batch_loss)
        )));
    }
    let reduction = match args.reduction {
        ReductionArg::Row => "row",
        ReductionArg::Class => "class",
        _ => return Ok(()),
    };
    if kind.is_batch_loss() {
        return Err(usage(format!(
            "--reduction {reduction} does not apply to --kind {name}, a loss of batches of rows \
             (one value per batch): use none (one value per batch), mean or sum (over the batches)"
        )));
    }
    Ok(())
}

/// Numbers out of their range: a kind's parameters, the smoothing, and
/// non-finite weights without `--nonfinite allow`.
fn check_values(kind: &Kind, args: &Args) -> Result<(), UsageError> {
    if let Some(eps) = args.label_smoothing
        && let Err(problem) = crate::loss::check_label_smoothing(eps)
    {
        return Err(usage(format!("--label-smoothing {problem}")));
    }
    if let Err(bad) = kind.check() {
        return Err(usage(format!(
            "--{} {}, not {}",
            bad.param, bad.problem, bad.value
        )));
    }
    kind.check_typed().map_err(usage)?;
    let allow_nonfinite = args.nonfinite == Nonfinite::Allow;
    let pos_weight_values = match &args.pos_weight {
        Some(PosWeight::Values(list)) => Some(list),
        _ => None,
    };
    for (option, list) in [
        ("--weight", args.weight.as_ref()),
        ("--pos-weight", pos_weight_values),
    ] {
        let values = list.map_or(&[][..], |NumberList(v)| v);
        if let Some(v) = values
            .iter()
            .find(|v| !v.is_finite())
            .filter(|_| !allow_nonfinite)
        {
            return Err(usage(format!(
                "{option} has {v}, which is not a finite number (--nonfinite allow accepts it)"
            )));
        }
    }
    Ok(())
}
