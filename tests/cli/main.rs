//! Integration tests: the built binary, run as a user runs it.

mod bad_input;
mod binarize;
mod boundary;
mod columnar;
mod completions;
mod containers;
mod explain;
mod extended;
mod formats;
mod fuzz_regressions;
mod golden;
mod harness;
mod hostile;
mod hostile_outputs;
mod hostile_states;
mod loss;
mod merge;
mod metrics;
mod metrics_cli;
mod npy;
mod npy_output;
mod output;
mod pandas_numpy;
mod properties;
mod sums;
mod tables;
