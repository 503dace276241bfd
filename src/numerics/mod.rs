//! Numerics shared by the loss and the metrics, pure (numbers in, numbers
//! out): sums that do not depend on the order of their terms (`sum.rs`:
//! compensated sums of a row, [`ExactSum`]; `unit_sum.rs`: [`UnitSum`], the
//! same exact sum made cheap for probabilities), and f64 values in JSON, NaN
//! and infinities included (`json_f64.rs`, for the partial states).

pub mod json_f64;
mod sum;
mod unit_sum;

pub(crate) use sum::compensated_sum_parts;
pub use sum::{ExactSum, Terms, compensated_sum, row_mean};
pub use unit_sum::UnitSum;
