//! Integration tests: the built binary, run as a user runs it.

mod bad_input;
mod binarize;
mod columnar;
mod completions;
mod containers;
mod extended;
mod formats;
mod fuzz_regressions;
mod golden;
mod harness;
mod hostile;
mod loss;
mod merge;
mod metrics;
mod metrics_cli;
mod npy;
mod npy_output;
mod output;
mod properties;
mod sums;
mod tables;
