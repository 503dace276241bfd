//! P@k of extreme classification (not in scikit-learn): the true labels
//! among a sample's k highest scores, over k.

use crate::metrics::family::{Computation, MetricKind, Param, RankingMetric, Settings, Use};
use crate::metrics::row::RankedRow;

pub struct PrecisionAtK;

impl PrecisionAtK {
    pub const HELP: &str = "P@k: true labels among each sample's k highest scores, over k (--k)";
}

impl MetricKind for PrecisionAtK {
    fn computation(&self) -> Computation<'_> {
        Computation::SampleRanking(self)
    }

    fn uses(&self) -> &'static [Use] {
        const USES: &[Use] = &[Use::required(Param::K)];
        USES
    }
}

impl RankingMetric for PrecisionAtK {
    /// Ties: the lower class first ([`RankedRow::positives_in_top`]).
    fn of_sample(&self, row: &RankedRow, _table: &[f64], settings: &Settings) -> Option<f64> {
        let k = settings.k.unwrap_or(1);
        Some(row.positives_in_top(k) as f64 / k as f64)
    }
}
