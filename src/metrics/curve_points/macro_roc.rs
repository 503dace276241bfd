//! The macro-average ROC curve of scikit-learn's multi-class ROC example
//! (examples/model_selection/plot_roc.py): every class's ROC curve
//! interpolated with `np.interp` on `fpr_grid = np.linspace(0.0, 1.0,
//! 1000)`, summed in class order and divided by the number of classes.
//! (Older versions of the example used the union of every class's fpr; the
//! current one, a fixed grid, is the one followed.)

use super::RocPoint;

/// The grid's size in scikit-learn's example.
pub const GRID_POINTS: usize = 1000;

/// `np.linspace(0.0, 1.0, 1000)`: k · (1/999), the last exactly 1.
pub fn fpr_grid() -> Vec<f64> {
    let step = 1.0 / (GRID_POINTS - 1) as f64;
    (0..GRID_POINTS)
        .map(|k| {
            if k == GRID_POINTS - 1 {
                1.0
            } else {
                k as f64 * step
            }
        })
        .collect()
}

/// `np.interp(grid, fpr, tpr)` as numpy computes it (compiled_base.c):
/// j is the last point with fpr_j ≤ x; x below the first gives the first
/// tpr, beyond the last (or at it) the last; fpr_j = x gives tpr_j; else
/// slope · (x − fpr_j) + tpr_j with slope = Δtpr / Δfpr.
pub fn interpolate(grid: &[f64], points: &[RocPoint]) -> Vec<f64> {
    let Some(last) = points.last() else {
        return vec![f64::NAN; grid.len()];
    };
    let first = points[0];
    grid.iter()
        .map(|&x| {
            if x < first.fpr {
                return first.tpr;
            }
            if x > last.fpr {
                return last.tpr;
            }
            let Some(j) = points.partition_point(|p| p.fpr <= x).checked_sub(1) else {
                return first.tpr;
            };
            let (a, b) = (points[j], points.get(j + 1));
            match b {
                None => a.tpr,
                Some(_) if a.fpr == x => a.tpr,
                Some(b) => {
                    let slope = (b.tpr - a.tpr) / (b.fpr - a.fpr);
                    let y = slope * (x - a.fpr) + a.tpr;
                    if !y.is_nan() {
                        y
                    } else {
                        let y = slope * (x - b.fpr) + b.tpr;
                        if y.is_nan() && a.tpr == b.tpr {
                            a.tpr
                        } else {
                            y
                        }
                    }
                }
            }
        })
        .collect()
}

/// The running macro average: `mean_tpr += np.interp(…)` per class, in
/// class order, then `mean_tpr /= n_classes`.
#[derive(Debug, Clone)]
pub struct MacroRoc {
    grid: Vec<f64>,
    sum: Vec<f64>,
    classes: usize,
}

impl Default for MacroRoc {
    fn default() -> Self {
        MacroRoc::new()
    }
}

impl MacroRoc {
    pub fn new() -> MacroRoc {
        MacroRoc {
            grid: fpr_grid(),
            sum: vec![0.0; GRID_POINTS],
            classes: 0,
        }
    }

    /// Adds the next class's ROC curve (a defined one: finite rates).
    pub fn add(&mut self, points: &[RocPoint]) {
        for (s, y) in self.sum.iter_mut().zip(interpolate(&self.grid, points)) {
            *s += y;
        }
        self.classes += 1;
    }

    /// How many classes were added.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The macro curve as (fpr, tpr) on the grid; empty without classes.
    pub fn finish(self) -> Vec<(f64, f64)> {
        if self.classes == 0 {
            return Vec::new();
        }
        let n = self.classes as f64;
        self.grid
            .into_iter()
            .zip(self.sum)
            .map(|(x, s)| (x, s / n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(fpr: f64, tpr: f64) -> RocPoint {
        RocPoint {
            threshold: 0.0,
            fpr,
            tpr,
        }
    }

    #[test]
    fn interp_takes_the_last_of_equal_abscissae() {
        // np.interp([0, .25, .5, 1], [0, 0, .5, 1], [0, .5, .5, 1])
        // = [.5, .5, .5, 1].
        let points = [
            point(0.0, 0.0),
            point(0.0, 0.5),
            point(0.5, 0.5),
            point(1.0, 1.0),
        ];
        let got = interpolate(&[0.0, 0.25, 0.5, 0.75, 1.0], &points);
        assert_eq!(got, vec![0.5, 0.5, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn the_grid_is_numpy_linspace() {
        let grid = fpr_grid();
        assert_eq!(grid.len(), 1000);
        assert_eq!(grid[1], 1.0 / 999.0);
        assert_eq!(grid[998], 998.0 * (1.0 / 999.0));
        assert_eq!(grid[999], 1.0);
    }
}
