//! Inverse propensities of Jain et al. (2016), as the Extreme
//! Classification Repository and pyxclib's `compute_inv_propesity` define
//! them: w_l = 1 + C (n_l + B)^(−A), C = (ln N − 1)(B + 1)^A, where n_l
//! counts label l among the N training samples (every training sample,
//! labelled or not).

/// A and B of the propensity model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PropensityModel {
    pub a: f64,
    pub b: f64,
}

impl PropensityModel {
    /// The repository's presets, by `--propensity-preset`'s names.
    pub const PRESETS: [(&'static str, PropensityModel); 3] = [
        ("default", PropensityModel { a: 0.55, b: 1.5 }),
        ("wikipedia", PropensityModel { a: 0.5, b: 0.4 }),
        ("amazon", PropensityModel { a: 0.6, b: 2.6 }),
    ];

    pub fn preset(name: &str) -> Option<PropensityModel> {
        Self::PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, m)| m)
    }

    /// Each label's inverse propensity from its count among
    /// `train_samples` training samples, in pyxclib's float64 operations.
    pub fn inverse_propensities(&self, label_counts: &[u64], train_samples: u64) -> Vec<f64> {
        let c = ((train_samples as f64).ln() - 1.0) * (self.b + 1.0).powf(self.a);
        label_counts
            .iter()
            .map(|&n| 1.0 + c * (n as f64 + self.b).powf(-self.a))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_formula_with_the_default_preset() {
        let model = PropensityModel::preset("default").unwrap();
        let w = model.inverse_propensities(&[0, 1, 100], 1000);
        let c = (1000f64.ln() - 1.0) * 2.5f64.powf(0.55);
        assert_eq!(w[0], 1.0 + c * 1.5f64.powf(-0.55));
        assert_eq!(w[2], 1.0 + c * 101.5f64.powf(-0.55));
        // Rarer labels weigh more.
        assert!(w[0] > w[1] && w[1] > w[2]);
        assert_eq!(PropensityModel::preset("amazon").unwrap().b, 2.6);
        assert!(PropensityModel::preset("books").is_none());
    }
}
