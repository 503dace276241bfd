//! mlloss: multi-label classification losses (PyTorch's exact numbers) and
//! label binarization (scikit-learn's MultiLabelBinarizer) on files.
//!
//! - [`loss`] and [`metrics`]: the maths, pure; [`numerics`]: the sums
//!   and JSON numbers both use.
//! - [`input`]: every format and file reading.
//! - [`label`]: what a label is, and scikit-learn's class order.
//! - [`format`] and [`output`]: how numbers are printed.
//! - [`cmd`]: the subcommands, which wire the above together.

#![warn(clippy::too_many_lines)]

pub mod cli;
pub mod cmd;
pub mod domain;
pub mod error;
pub mod format;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod label;
pub mod loss;
pub mod metrics;
pub mod numerics;
pub mod output;
pub mod parallel;
pub mod plot;
pub mod progress;
