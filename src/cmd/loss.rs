//! `mlloss loss`: BCEWithLogitsLoss and MultiLabelSoftMarginLoss on files.
//!
//! LOGITS and TARGETS are read in lockstep, a batch of rows at a time; each
//! row goes through the loss kernels and is either printed (`none`, `row`) or
//! folded into an [`Accumulator`] whose size does not depend on the number
//! of rows (`mean`, `sum`, `class`).

use std::path::PathBuf;

use clap::ValueEnum;
use clap::error::ErrorKind;

use crate::error::InputError;
use crate::input::{Batch, Domain, Format, MatrixReader, Source, count};
use crate::loss::{self, Accumulator, Kind, Loss, Reduction};
use crate::output::Output;

/// Rows read from each input before they are processed.
const BATCH_ROWS: usize = 1024;

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Model outputs (logits): an N×C numeric matrix, or - for stdin.
    #[arg(value_name = "LOGITS")]
    pub logits: PathBuf,

    /// Targets in [0, 1] (hard 0/1 or soft): an N×C matrix, or - for stdin.
    #[arg(value_name = "TARGETS")]
    pub targets: PathBuf,

    /// The loss to compute.
    #[arg(short, long, value_enum, default_value_t = KindArg::Bce)]
    pub kind: KindArg,

    /// How to combine the element losses.
    #[arg(short, long, value_enum, default_value_t = ReductionArg::Mean)]
    pub reduction: ReductionArg,

    /// Per-class weights w1,…,wC (PyTorch's `weight`); one value applies to every class.
    #[arg(long, value_name = "W1,…,WC", value_parser = parse_number_list, allow_hyphen_values = true)]
    pub weight: Option<NumberList>,

    /// Per-class weights of positive targets p1,…,pC (PyTorch's `pos_weight`; bce only).
    #[arg(long, value_name = "P1,…,PC", value_parser = parse_number_list, allow_hyphen_values = true)]
    pub pos_weight: Option<NumberList>,

    /// Input format of both inputs, instead of guessing from the extension (stdin: csv).
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,
}

const EXAMPLES: &str = "\
Examples:
  mlloss loss logits.csv targets.csv
  mlloss loss --kind bce --reduction none logits.csv targets.csv
  mlloss loss --kind mlsm --weight 1,2,1,1,1,1,1 logits.csv targets.csv
  mlloss binarize --classes a,b,c labels.csv | mlloss loss --kind mlsm logits.csv -";

/// The loss to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// torch.nn.BCEWithLogitsLoss.
    Bce,
    /// torch.nn.MultiLabelSoftMarginLoss (alias: mlsm).
    #[value(alias = "mlsm")]
    MultilabelSoftMargin,
}

impl From<KindArg> for Kind {
    fn from(kind: KindArg) -> Kind {
        match kind {
            KindArg::Bce => Kind::Bce,
            KindArg::MultilabelSoftMargin => Kind::MultiLabelSoftMargin,
        }
    }
}

/// How element losses are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReductionArg {
    /// No reduction: bce prints the N×C matrix, mlsm one value per sample.
    None,
    /// PyTorch's mean: one number.
    Mean,
    /// PyTorch's sum: one number.
    Sum,
    /// Mean over the classes of each sample: N values, one per line.
    Row,
    /// Mean over the samples of each class: C values on one line.
    Class,
}

impl From<ReductionArg> for Reduction {
    fn from(reduction: ReductionArg) -> Reduction {
        match reduction {
            ReductionArg::None => Reduction::None,
            ReductionArg::Mean => Reduction::Mean,
            ReductionArg::Sum => Reduction::Sum,
            ReductionArg::Row => Reduction::Row,
            ReductionArg::Class => Reduction::Class,
        }
    }
}

/// Numbers given on the command line as `a,b,c`.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberList(pub Vec<f64>);

fn parse_number_list(text: &str) -> Result<NumberList, String> {
    text.split(',')
        .map(|item| {
            let item = item.trim();
            match item.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                Ok(_) => Err(format!("{item:?} is not a finite number")),
                Err(_) => Err(format!("{item:?} is not a number")),
            }
        })
        .collect::<Result<_, _>>()
        .map(NumberList)
}

fn usage_error(message: String) -> anyhow::Error {
    use clap::CommandFactory;
    let mut command = crate::cli::Cli::command();
    let loss = command
        .find_subcommand_mut("loss")
        .expect("loss is a subcommand")
        .clone();
    anyhow::Error::new(
        loss.bin_name("mlloss loss")
            .error(ErrorKind::ArgumentConflict, message),
    )
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let kind = Kind::from(args.kind);
    let reduction = Reduction::from(args.reduction);
    if kind != Kind::Bce && args.pos_weight.is_some() {
        return Err(usage_error(
            "--pos-weight applies to --kind bce only (MultiLabelSoftMarginLoss has no pos_weight)"
                .into(),
        ));
    }
    let logits_source = Source::from_arg(&args.logits);
    let targets_source = Source::from_arg(&args.targets);
    if logits_source.is_stdin() && targets_source.is_stdin() {
        return Err(usage_error(
            "LOGITS and TARGETS cannot both be stdin (-)".into(),
        ));
    }
    let mut logits = MatrixReader::open(
        &logits_source,
        Format::detect(&logits_source, args.format),
        Domain::Finite,
    )?;
    let mut targets = MatrixReader::open(
        &targets_source,
        Format::detect(&targets_source, args.format),
        Domain::UnitInterval,
    )?;

    let mut x = Batch::default();
    let mut y = Batch::default();
    let mut out = Output::stdout();
    let mut element_losses = Vec::new();
    let mut state: Option<(Loss, Accumulator)> = None;
    loop {
        logits.read_batch(&mut x, BATCH_ROWS)?;
        targets.read_batch(&mut y, BATCH_ROWS)?;
        check_rows(&logits, &x, &targets, &y)?;
        if x.rows() == 0 {
            break;
        }
        if state.is_none() {
            check_columns(&logits, &x, &targets, &y)?;
            let loss = build_loss(kind, &args, x.cols, logits.file())?;
            let per_class = if reduction == Reduction::Class {
                x.cols
            } else {
                0
            };
            element_losses = vec![0.0; x.cols];
            state = Some((loss, Accumulator::new(kind, per_class)));
        }
        let (loss, accumulator) = state.as_mut().expect("set above");
        for i in 0..x.rows() {
            loss.element_losses(x.row(i), y.row(i), &mut element_losses);
            match reduction {
                Reduction::None if kind == Kind::Bce => out.write_values(&element_losses)?,
                Reduction::None | Reduction::Row => {
                    out.write_values(&[loss::row_mean(&element_losses)])?
                }
                Reduction::Mean | Reduction::Sum | Reduction::Class => {
                    accumulator.add_row(&element_losses)
                }
            }
        }
    }
    let Some((_, accumulator)) = state else {
        return Err(InputError::new(logits.file(), "no data rows").into());
    };
    let classes = x.cols;
    match reduction {
        Reduction::Mean => out.write_values(&[accumulator.mean(classes)])?,
        Reduction::Sum => out.write_values(&[accumulator.sum()])?,
        Reduction::Class => out.write_values(&accumulator.class_means())?,
        Reduction::None | Reduction::Row => {}
    }
    out.finish()?;
    Ok(())
}

/// Both inputs must end together: a batch shorter than the other means one
/// input ran out of rows.
fn check_rows(
    logits: &MatrixReader,
    x: &Batch,
    targets: &MatrixReader,
    y: &Batch,
) -> Result<(), InputError> {
    if x.rows() == y.rows() {
        return Ok(());
    }
    let (longer, long_batch, shorter, short_rows) = if x.rows() > y.rows() {
        (logits, x, targets, targets.rows_read())
    } else {
        (targets, y, logits, logits.rows_read())
    };
    let what = format!(
        "row {} has no partner: {} ends after {}",
        short_rows + 1,
        shorter.file(),
        count(short_rows as usize, "row")
    );
    let line = long_batch.lines[x.rows().min(y.rows())];
    let mut error = InputError::new(longer.file(), what);
    if line > 0 {
        error = error.at(line, None);
    }
    Err(error)
}

fn check_columns(
    logits: &MatrixReader,
    x: &Batch,
    targets: &MatrixReader,
    y: &Batch,
) -> Result<(), InputError> {
    if x.cols == y.cols {
        return Ok(());
    }
    let what = format!("{} columns, but {} has {}", y.cols, logits.file(), x.cols);
    let mut error = InputError::new(targets.file(), what);
    if y.lines[0] > 0 {
        error = error.at(y.lines[0], None);
    }
    Err(error)
}

fn build_loss(kind: Kind, args: &Args, classes: usize, file: &str) -> anyhow::Result<Loss> {
    let expand = |list: &Option<NumberList>, option: &str| -> anyhow::Result<Option<Vec<f64>>> {
        let Some(NumberList(values)) = list else {
            return Ok(None);
        };
        loss::broadcast(values, classes).map(Some).ok_or_else(|| {
            anyhow::anyhow!(
                "{option} has {} values, but {file} has {classes} columns (give {classes} values, or one for all)",
                values.len()
            )
        })
    };
    Ok(Loss::new(
        kind,
        expand(&args.weight, "--weight")?,
        expand(&args.pos_weight, "--pos-weight")?,
    ))
}
