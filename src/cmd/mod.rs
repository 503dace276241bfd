//! One module per subcommand, each with its own `Args` and `run`.

pub mod binarize;
pub mod classes;
pub mod completions;
pub mod curves;
pub mod decision;
pub(crate) mod explain;
pub mod loss;
pub mod merge;
pub mod metrics;
pub mod options;
pub mod pairing;
pub mod report;
pub mod target_labels;
pub mod tune;
pub(crate) mod unit_scores;
