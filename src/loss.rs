//! The loss maths: numbers in, numbers out, no I/O.
//!
//! Formulas follow PyTorch's float64 CPU kernels term by term (README,
//! "Formulas"), so that results agree with PyTorch to about 1e-15 relative.

/// Which PyTorch loss to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `torch.nn.BCEWithLogitsLoss`.
    Bce,
    /// `torch.nn.MultiLabelSoftMarginLoss`.
    MultiLabelSoftMargin,
    /// `torch.nn.BCELoss`, on probabilities.
    BceProbs,
    /// `torchvision.ops.sigmoid_focal_loss`.
    Focal,
    /// Asymmetric Loss (Ridnik et al., 2021), as its reference implementation.
    Asymmetric,
    /// `torch.nn.MultiLabelMarginLoss`, the 0/1 target row as the set of targets.
    MultiLabelMargin,
}

impl Kind {
    /// A loss per sample (the mean of its element terms over the classes)
    /// rather than per element: what `none` prints and what `mean` averages.
    pub fn per_sample(self) -> bool {
        matches!(self, Kind::MultiLabelSoftMargin | Kind::MultiLabelMargin)
    }
}

/// How element losses are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// No reduction: the N×C matrix for bce, one value per sample for mlsm.
    None,
    /// PyTorch's `mean`: bce divides the sum by N×C, mlsm averages the per-sample values.
    Mean,
    /// PyTorch's `sum`.
    Sum,
    /// Mean over the classes of each sample: N values.
    Row,
    /// Mean over the samples of each class: C values.
    Class,
}

/// `log(sigmoid(x))` without overflow for any finite `x`, as PyTorch
/// computes it: `min(x, 0) - log1p(exp(-|x|))`.
#[inline]
pub fn log_sigmoid(x: f64) -> f64 {
    x.min(0.0) - log1p_exp_neg(x.abs())
}

/// `log1p(exp(-a))` for `a >= 0`.
#[inline]
pub fn log1p_exp_neg(a: f64) -> f64 {
    if a <= POLYNOMIAL_LIMIT {
        log1p_exp_neg_polynomial::<false>(a)
    } else {
        (-a).exp().ln_1p()
    }
}

/// Up to here exp(-a) is a normal number and the polynomial form applies;
/// beyond it exp(-a) is subnormal (or 0) and the C library takes over.
const POLYNOMIAL_LIMIT: f64 = 708.0;

/// `log1p(exp(-a))` for `0 <= a <= POLYNOMIAL_LIMIT`, without branches or
/// library calls, so that a loop over a row vectorises; with `FMA` each
/// polynomial step is one fused multiply-add. Either way it agrees with the
/// C library's `exp` and `log1p` to a few ulps (tested below), far inside
/// the 1e-12 that mlloss promises against PyTorch.
#[inline(always)]
fn log1p_exp_neg_polynomial<const FMA: bool>(a: f64) -> f64 {
    // One rounding per step with fused multiply-add, two without.
    let mul_add = |x: f64, y: f64, z: f64| if FMA { x.mul_add(y, z) } else { x * y + z };
    // t = exp(-a): write -a = k·ln2 + r with |r| <= ln2/2, then
    // exp(-a) = 2^k · exp(r), exp(r) by its Taylor series to r^13.
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // k·LN2_HI is exact
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // Adding 1.5·2^52 rounds to an integer, which then sits in the low bits.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let x = -a;
    let shifted = mul_add(x, LOG2_E, SHIFTER);
    let k = shifted - SHIFTER;
    let r = mul_add(-k, LN2_LO, mul_add(-k, LN2_HI, x));
    let mut e = 1.0 / 6_227_020_800.0; // 1/13!
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        e = mul_add(e, r, c);
    }
    // 2^k from the low bits of `shifted`: (k + 1023) in the exponent field.
    let two_to_k = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    let t = e * two_to_k;
    // log1p(t) = 2·atanh(s) with s = u/(2 + u), by its series in z = s².
    // For t >= 1/2, log1p(t) = ln 2 + log1p(u) with u = (t - 1)/2 (exact),
    // which keeps |s| <= 1/5 and z <= 1/25: the series to z^11/23 then
    // leaves less than 2e-17 relative.
    let upper = t >= 0.5;
    let u = if upper { (t - 1.0) * 0.5 } else { t };
    let s = u / (2.0 + u);
    let z = s * s;
    let mut q = 1.0 / 23.0;
    for c in [
        1.0 / 21.0,
        1.0 / 19.0,
        1.0 / 17.0,
        1.0 / 15.0,
        1.0 / 13.0,
        1.0 / 11.0,
        1.0 / 9.0,
        1.0 / 7.0,
        1.0 / 5.0,
        1.0 / 3.0,
    ] {
        q = mul_add(q, z, c);
    }
    let two_s = s + s;
    let log1p_u = mul_add(two_s, z * q, two_s);
    let (ln2_hi, ln2_lo) = if upper { (LN2_HI, LN2_LO) } else { (0.0, 0.0) };
    ln2_hi + (log1p_u + ln2_lo)
}

/// `out[j] = log1p(exp(-|x[j]|))` for a whole row; vectorises. Returns
/// whether some `|x[j]|` was beyond the polynomial's range (or NaN).
#[inline(always)]
fn log1p_exp_neg_abs_row<const FMA: bool>(logits: &[f64], out: &mut [f64]) -> bool {
    let mut beyond = false;
    for (o, &x) in out.iter_mut().zip(logits) {
        let a = x.abs();
        beyond |= (a > POLYNOMIAL_LIMIT) | a.is_nan();
        *o = log1p_exp_neg_polynomial::<FMA>(a.min(POLYNOMIAL_LIMIT));
    }
    if beyond {
        for (o, &x) in out.iter_mut().zip(logits) {
            *o = log1p_exp_neg(x.abs());
        }
    }
    beyond
}

/// One element's loss (times its weight) when the logit `x` is NaN or
/// ±infinity: PyTorch's formula evaluated in IEEE arithmetic, except where
/// that gives NaN although the loss has a limit as x → ±∞ (PyTorch issues
/// 49844 and 102894): then the limit. The loss grows like `slope · |x|`,
/// so the limit is ±∞ by the sign of `slope · weight`, or 0 when either is
/// 0 (the remaining term, a multiple of `log1p(exp(-|x|))`, tends to 0).
/// NaN anywhere in the inputs stays NaN.
pub fn element_loss_nonfinite_logit(
    kind: Kind,
    x: f64,
    y: f64,
    pos_weight: Option<f64>,
    weight: f64,
) -> f64 {
    // min(x, 0) - log1p(exp(-|x|)) at x = ±∞ and NaN (Rust's `min` would drop a NaN).
    let log_sigmoid = |x: f64| {
        if x.is_nan() {
            f64::NAN
        } else if x > 0.0 {
            0.0
        } else {
            f64::NEG_INFINITY
        }
    };
    let pytorch = match kind {
        Kind::Bce => match pos_weight {
            Some(p) => (1.0 - y) * x - log_sigmoid(x) * ((p - 1.0) * y + 1.0),
            None => (1.0 - y) * x - log_sigmoid(x),
        },
        Kind::MultiLabelSoftMargin => -(y * log_sigmoid(x) + (1.0 - y) * log_sigmoid(-x)),
        // The other kinds do not call this with their own formulas: focal
        // uses bce's element, the rest are computed in IEEE arithmetic.
        _ => (1.0 - y) * x - log_sigmoid(x),
    } * weight;
    let p = pos_weight.unwrap_or(1.0);
    if !pytorch.is_nan() || x.is_nan() || !(y.is_finite() && p.is_finite() && weight.is_finite()) {
        return pytorch;
    }
    let slope = match (kind, x > 0.0) {
        // bce and mlsm: (1 - y)·x
        (_, true) => 1.0 - y,
        // mlsm: -y·x
        (Kind::MultiLabelSoftMargin, false) => y,
        // bce: (1 - y)·x - log_weight·x = -p·y·x
        (_, false) => p * y,
    };
    if slope == 0.0 || weight == 0.0 {
        0.0
    } else {
        f64::INFINITY * slope.signum() * weight.signum()
    }
}

/// Parameters of `focal` (torchvision's `sigmoid_focal_loss`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Focal {
    /// Weight of positives, 1 − alpha of negatives; negative: no weighting.
    pub alpha: f64,
    pub gamma: f64,
}

impl Default for Focal {
    fn default() -> Self {
        Focal {
            alpha: 0.25,
            gamma: 2.0,
        }
    }
}

/// Parameters of `asl` (Asymmetric Loss, Ridnik et al. 2021).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Asymmetric {
    pub gamma_neg: f64,
    pub gamma_pos: f64,
    /// Probability margin added to 1 − p for negatives; 0: no shifting.
    pub clip: f64,
}

impl Default for Asymmetric {
    fn default() -> Self {
        Asymmetric {
            gamma_neg: 4.0,
            gamma_pos: 1.0,
            clip: 0.05,
        }
    }
}

/// The reference implementation's floor for probabilities inside `log`.
const ASYMMETRIC_EPS: f64 = 1e-8;

/// torch.nn.BCELoss's floor for each log term.
const BCE_LOG_FLOOR: f64 = -100.0;

/// A loss with its per-class parameters, ready to apply to rows of C values.
#[derive(Debug, Clone)]
pub struct Loss {
    kind: Kind,
    /// Per-class rescaling weight (`weight=`), C values.
    weight: Option<Vec<f64>>,
    /// Per-class weight of positive targets (`pos_weight=`, bce only), C values.
    pos_weight: Option<Vec<f64>>,
    focal: Focal,
    asymmetric: Asymmetric,
    /// Targets become y·(1 − ε) + ε/2; 0 leaves them alone.
    label_smoothing: f64,
    /// Targets equal to this value are missing (`--ignore-value`).
    ignore: Option<Missing>,
}

/// The target value that marks an element as missing; NaN marks NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Missing(pub f64);

impl Missing {
    #[inline]
    pub fn is(self, y: f64) -> bool {
        y == self.0 || (y.is_nan() && self.0.is_nan())
    }
}

impl Loss {
    /// `weight` and `pos_weight` must already hold one value per class
    /// (see [`broadcast`]); `pos_weight` is ignored unless `kind` is bce.
    pub fn new(kind: Kind, weight: Option<Vec<f64>>, pos_weight: Option<Vec<f64>>) -> Self {
        let pos_weight = if kind == Kind::Bce { pos_weight } else { None };
        Loss {
            kind,
            weight,
            pos_weight,
            focal: Focal::default(),
            asymmetric: Asymmetric::default(),
            label_smoothing: 0.0,
            ignore: None,
        }
    }

    pub fn with_focal(self, focal: Focal) -> Self {
        Loss { focal, ..self }
    }

    pub fn with_asymmetric(self, asymmetric: Asymmetric) -> Self {
        Loss { asymmetric, ..self }
    }

    pub fn with_label_smoothing(self, label_smoothing: f64) -> Self {
        Loss {
            label_smoothing,
            ..self
        }
    }

    pub fn with_ignore(self, ignore: Option<Missing>) -> Self {
        Loss { ignore, ..self }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn ignore(&self) -> Option<Missing> {
        self.ignore
    }

    /// [`Loss::element_losses_weighted`] with the loss's own weights.
    pub fn element_losses(&self, logits: &[f64], targets: &[f64], out: &mut [f64]) {
        let mut scratch = Vec::new();
        self.element_losses_weighted(logits, targets, RowWeights::default(), &mut scratch, out);
    }

    /// Writes the (weighted) loss of each element of one sample into `out`;
    /// a missing element (`--ignore-value`) gets 0. For mlsm and
    /// multilabel-margin these are the terms whose mean over the observed
    /// classes is the sample's loss ([`Loss::sample_loss`]).
    ///
    /// All slices have one value per class. `weight` and `pos_weight`, when
    /// given, replace the loss's own for this row (weights from a file).
    pub fn element_losses_weighted(
        &self,
        logits: &[f64],
        targets: &[f64],
        row_weights: RowWeights<'_>,
        scratch: &mut Vec<f64>,
        out: &mut [f64],
    ) {
        debug_assert!(logits.len() == targets.len() && logits.len() == out.len());
        let weight = row_weights.weight.or(self.weight.as_deref());
        let pos_weight = row_weights.pos_weight.or(self.pos_weight.as_deref());
        // Whether a target is missing is decided on the value read.
        let raw_targets = targets;
        // Smoothed targets, in `scratch`, when asked for.
        let targets = if self.label_smoothing != 0.0 {
            let eps = self.label_smoothing;
            scratch.clear();
            scratch.extend(targets.iter().map(|&y| y * (1.0 - eps) + eps / 2.0));
            &scratch[..]
        } else {
            targets
        };
        match self.kind {
            Kind::Bce | Kind::MultiLabelSoftMargin => {
                #[cfg(target_arch = "x86_64")]
                if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has AVX2 and FMA, checked just above.
                    unsafe { self.logit_losses_avx2_fma(logits, targets, weight, pos_weight, out) };
                } else {
                    self.logit_losses::<false>(logits, targets, weight, pos_weight, out);
                }
                #[cfg(not(target_arch = "x86_64"))]
                self.logit_losses::<false>(logits, targets, weight, pos_weight, out);
            }
            Kind::BceProbs => {
                for ((o, &p), &y) in out.iter_mut().zip(logits).zip(targets) {
                    *o =
                        (y - 1.0) * (-p).ln_1p().max(BCE_LOG_FLOOR) - y * p.ln().max(BCE_LOG_FLOOR);
                }
                apply_weight(out, weight);
            }
            Kind::Focal => {
                let Focal { alpha, gamma } = self.focal;
                for ((o, &x), &y) in out.iter_mut().zip(logits).zip(targets) {
                    let ce = bce_element(x, y);
                    let p = sigmoid(x);
                    let p_t = p * y + (1.0 - p) * (1.0 - y);
                    let mut loss = ce * torch_pow(1.0 - p_t, gamma);
                    if alpha >= 0.0 {
                        loss *= alpha * y + (1.0 - alpha) * (1.0 - y);
                    }
                    *o = loss;
                }
                apply_weight(out, weight);
            }
            Kind::Asymmetric => {
                let Asymmetric {
                    gamma_neg,
                    gamma_pos,
                    clip,
                } = self.asymmetric;
                for ((o, &x), &y) in out.iter_mut().zip(logits).zip(targets) {
                    let xs_pos = sigmoid(x);
                    let mut xs_neg = 1.0 - xs_pos;
                    if clip > 0.0 {
                        xs_neg = (xs_neg + clip).min(1.0);
                    }
                    let los_pos = y * xs_pos.max(ASYMMETRIC_EPS).ln();
                    let los_neg = (1.0 - y) * xs_neg.max(ASYMMETRIC_EPS).ln();
                    let mut loss = los_pos + los_neg;
                    if gamma_neg > 0.0 || gamma_pos > 0.0 {
                        let pt = xs_pos * y + xs_neg * (1.0 - y);
                        let one_sided_gamma = gamma_pos * y + gamma_neg * (1.0 - y);
                        loss *= (1.0 - pt).powf(one_sided_gamma);
                    }
                    *o = -loss;
                }
                apply_weight(out, weight);
            }
            Kind::MultiLabelMargin => {
                // Each target class j collects its hinge terms against every
                // non-target class k: max(0, 1 − (x_j − x_k)), summed in
                // PyTorch's order (k ascending).
                for j in 0..logits.len() {
                    out[j] = 0.0;
                    if targets[j] != 0.0 {
                        let mut sum = 0.0;
                        for (k, &x_k) in logits.iter().enumerate() {
                            if targets[k] == 0.0 {
                                let z = 1.0 - logits[j] + x_k;
                                if z > 0.0 {
                                    sum += z;
                                }
                            }
                        }
                        out[j] = sum;
                    }
                }
            }
        }
        if let Some(missing) = self.ignore {
            for (o, &y) in out.iter_mut().zip(raw_targets) {
                if missing.is(y) {
                    *o = 0.0;
                }
            }
        }
    }

    /// The same code compiled for 4-wide vectors, with the polynomials'
    /// steps fused (one rounding each instead of two): a third fewer
    /// operations. The values can differ from the portable build's in the
    /// last bit, both well within the 1e-12 promised; on one machine they are
    /// the same for any number of threads.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn logit_losses_avx2_fma(
        &self,
        logits: &[f64],
        targets: &[f64],
        weight: Option<&[f64]>,
        pos_weight: Option<&[f64]>,
        out: &mut [f64],
    ) {
        self.logit_losses::<true>(logits, targets, weight, pos_weight, out);
    }

    /// bce and mlsm, whole rows at a time.
    #[inline(always)]
    fn logit_losses<const FMA: bool>(
        &self,
        logits: &[f64],
        targets: &[f64],
        weight: Option<&[f64]>,
        pos_weight: Option<&[f64]>,
        out: &mut [f64],
    ) {
        // First `out` holds log1p(exp(-|x|)), so that log σ(x) = min(x, 0) - out.
        let beyond = log1p_exp_neg_abs_row::<FMA>(logits, out);
        match (self.kind, pos_weight) {
            // loss = (1 - y)·x - ((p - 1)·y + 1)·log σ(x)
            (Kind::Bce, Some(pos_weight)) => {
                for (((o, &x), &y), &p) in out.iter_mut().zip(logits).zip(targets).zip(pos_weight) {
                    let log_sigmoid = x.min(0.0) - *o;
                    let log_weight = (p - 1.0) * y + 1.0;
                    *o = (1.0 - y) * x - log_sigmoid * log_weight;
                }
            }
            (Kind::Bce, None) => {
                for ((o, &x), &y) in out.iter_mut().zip(logits).zip(targets) {
                    let log_sigmoid = x.min(0.0) - *o;
                    *o = (1.0 - y) * x - log_sigmoid;
                }
            }
            // loss = -(y·log σ(x) + (1 - y)·log σ(-x)); both share log1p(exp(-|x|)).
            _ => {
                for ((o, &x), &y) in out.iter_mut().zip(logits).zip(targets) {
                    let log_sigmoid = x.min(0.0) - *o;
                    let log_sigmoid_neg = (-x).min(0.0) - *o;
                    *o = -(y * log_sigmoid + (1.0 - y) * log_sigmoid_neg);
                }
            }
        }
        apply_weight(out, weight);
        if beyond {
            self.fix_nonfinite_logits(logits, targets, weight, pos_weight, out);
        }
    }

    /// Recomputes the elements whose logit is NaN or ±infinity, which the
    /// row formulas above do not handle (see [`element_loss_nonfinite_logit`]).
    #[cold]
    #[inline(never)]
    fn fix_nonfinite_logits(
        &self,
        logits: &[f64],
        targets: &[f64],
        weight: Option<&[f64]>,
        pos_weight: Option<&[f64]>,
        out: &mut [f64],
    ) {
        for (j, (&x, &y)) in logits.iter().zip(targets).enumerate() {
            if !x.is_finite() {
                let pos_weight = pos_weight.map(|p| p[j]);
                let weight = weight.map_or(1.0, |w| w[j]);
                out[j] = element_loss_nonfinite_logit(self.kind, x, y, pos_weight, weight);
            }
        }
    }

    /// One sample's loss as `row` (and mlsm's and multilabel-margin's
    /// `none`) defines it: the mean of its element losses over the observed
    /// classes; NaN when none is observed.
    #[inline]
    pub fn sample_loss(&self, element_losses: &[f64], targets: &[f64]) -> f64 {
        match self.ignore {
            None => row_mean(element_losses),
            Some(missing) => {
                let observed = targets.iter().filter(|&&y| !missing.is(y)).count();
                compensated_sum(element_losses) / observed as f64
            }
        }
    }
}

/// Weights of one row read from `--weight-file`/`--pos-weight-file`, C
/// values each, or `None` to use the loss's own.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowWeights<'a> {
    pub weight: Option<&'a [f64]>,
    pub pos_weight: Option<&'a [f64]>,
}

#[inline]
fn apply_weight(out: &mut [f64], weight: Option<&[f64]>) {
    if let Some(weight) = weight {
        for (o, &w) in out.iter_mut().zip(weight) {
            *o *= w;
        }
    }
}

/// torch.sigmoid in float64: 1 / (1 + exp(−x)).
#[inline]
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// BCEWithLogitsLoss of one element (no weights), the limits of
/// [`element_loss_nonfinite_logit`] for non-finite logits included.
#[inline]
fn bce_element(x: f64, y: f64) -> f64 {
    if !x.is_finite() {
        return element_loss_nonfinite_logit(Kind::Bce, x, y, None, 1.0);
    }
    (1.0 - y) * x - log_sigmoid(x)
}

/// `base ** exponent` as PyTorch computes a tensor to a scalar power: the
/// common exponents by multiplication or square root, others by `pow`.
#[inline]
fn torch_pow(base: f64, exponent: f64) -> f64 {
    match exponent {
        0.5 => base.sqrt(),
        1.0 => base,
        2.0 => base * base,
        3.0 => base * base * base,
        -0.5 => 1.0 / base.sqrt(),
        -1.0 => 1.0 / base,
        -2.0 => 1.0 / (base * base),
        _ => base.powf(exponent),
    }
}

/// Expands per-class values given on the command line to `classes` values:
/// a single value broadcasts, as a one-element tensor does in PyTorch.
/// Returns `None` when the count fits neither.
pub fn broadcast(values: &[f64], classes: usize) -> Option<Vec<f64>> {
    match values.len() {
        1 => Some(vec![values[0]; classes]),
        n if n == classes => Some(values.to_vec()),
        _ => None,
    }
}

/// Sum of a slice with compensation (Knuth's branch-free two-sum): the
/// error stays at about one ulp of the result instead of growing with the
/// number of terms.
///
/// Four interleaved sums run side by side (element i goes to sum i mod 4)
/// and are combined the same way at the end, so the additions do not wait
/// on each other; the order is fixed, so the result is the same on every
/// CPU and at every vector width.
#[inline]
pub fn compensated_sum(values: &[f64]) -> f64 {
    let (sum, compensation) = compensated_sum_parts(values);
    let total = sum + compensation;
    if total.is_finite() {
        total
    } else {
        // An infinity or NaN among the values, or a sum beyond f64's range:
        // two-sum's error terms are then NaN, the plain sum is what IEEE
        // arithmetic (and PyTorch) gives.
        values.iter().sum()
    }
}

/// The compensated sum as two parts, `sum + compensation`, whose exact
/// total is within about n·ε² of the values' magnitude of the true sum:
/// adding both parts exactly (as [`Accumulator`] does) keeps a total
/// correctly rounded even when rows cancel each other.
#[inline]
fn compensated_sum_parts(values: &[f64]) -> (f64, f64) {
    #[inline(always)]
    fn two_sum(sum: &mut f64, compensation: &mut f64, x: f64) {
        let t = *sum + x;
        let x_part = t - *sum;
        *compensation += (*sum - (t - x_part)) + (x - x_part);
        *sum = t;
    }
    let mut sums = [0.0f64; 4];
    let mut compensations = [0.0f64; 4];
    let mut chunks = values.chunks_exact(4);
    for chunk in &mut chunks {
        for lane in 0..4 {
            two_sum(&mut sums[lane], &mut compensations[lane], chunk[lane]);
        }
    }
    for (lane, &x) in chunks.remainder().iter().enumerate() {
        two_sum(&mut sums[lane], &mut compensations[lane], x);
    }
    let (mut sum, mut compensation) = (0.0, compensations.iter().sum::<f64>());
    for lane_sum in sums {
        two_sum(&mut sum, &mut compensation, lane_sum);
    }
    (sum, compensation)
}

/// The loss of one sample as mlsm `none` and the `row` reduction define it:
/// the mean of its element losses.
#[inline]
pub fn row_mean(element_losses: &[f64]) -> f64 {
    compensated_sum(element_losses) / element_losses.len() as f64
}

/// Digits of [`ExactSum`]: base 2^32 digits covering every f64 from 2^-1074
/// up, with room for 2^64 times the largest f64.
const LIMBS: usize = 70;

/// Additions between two carry propagations: each moves a digit by less
/// than 2^32, so a digit stays below 2^62 in magnitude.
const ADDS_BEFORE_CARRY: u32 = 1 << 30;

/// The exact sum of f64 values, rounded once at the end.
///
/// Every finite f64 is an integer multiple of 2^-1074, so the sum is held as
/// a wide fixed-point integer. Adding is a few integer operations; the
/// result is the correctly rounded exact sum, whatever the order in which
/// values (or partial sums, see [`ExactSum::merge`]) arrive, so totals are
/// bit-identical whatever the threads, chunk sizes or shards.
#[derive(Clone, Debug, PartialEq)]
pub struct ExactSum {
    /// Base 2^32 digits, least significant first; between carry propagations
    /// a digit may leave [0, 2^32), and the top one carries the sign.
    limbs: Box<[i64; LIMBS]>,
    adds_since_carry: u32,
    /// The IEEE sum of the infinities and NaNs added, if any.
    special: Option<f64>,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum {
            limbs: Box::new([0; LIMBS]),
            adds_since_carry: 0,
            special: None,
        }
    }
}

impl ExactSum {
    #[inline]
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            self.special = Some(self.special.map_or(value, |s| s + value));
            return;
        }
        let bits = value.to_bits();
        let biased_exponent = ((bits >> 52) & 0x7ff) as usize;
        let mut significand = bits & ((1u64 << 52) - 1);
        // value = significand × 2^(position - 1074)
        let position = if biased_exponent == 0 {
            0
        } else {
            significand |= 1u64 << 52;
            biased_exponent - 1
        };
        let (limb, shift) = (position / 32, position % 32);
        let wide = (significand as u128) << shift;
        let digits = [
            (wide & 0xffff_ffff) as i64,
            ((wide >> 32) & 0xffff_ffff) as i64,
            (wide >> 64) as i64,
        ];
        let target = &mut self.limbs[limb..limb + 3];
        if value.is_sign_negative() {
            for (t, d) in target.iter_mut().zip(digits) {
                *t -= d;
            }
        } else {
            for (t, d) in target.iter_mut().zip(digits) {
                *t += d;
            }
        }
        self.adds_since_carry += 1;
        if self.adds_since_carry == ADDS_BEFORE_CARRY {
            self.carry();
        }
    }

    /// Brings every digit but the top one into [0, 2^32).
    fn carry(&mut self) {
        carry(&mut self.limbs);
        self.adds_since_carry = 0;
    }

    /// Adds another exact sum to this one.
    pub fn merge(&mut self, other: &ExactSum) {
        self.carry();
        let mut other_limbs = other.limbs.clone();
        carry(&mut other_limbs);
        for (a, b) in self.limbs.iter_mut().zip(other_limbs.iter()) {
            *a += b;
        }
        self.carry();
        if let Some(s) = other.special {
            self.special = Some(self.special.map_or(s, |t| t + s));
        }
    }

    /// The exact sum rounded to the nearest f64 (ties to even).
    pub fn value(&self) -> f64 {
        if let Some(special) = self.special {
            return special;
        }
        let (negative, limbs) = self.sign_and_magnitude();
        let Some(top) = limbs.iter().rposition(|&l| l != 0) else {
            return 0.0;
        };
        let magnitude = if top < 2 {
            let exact = ((limbs[1] as u128) << 32) | limbs[0] as u128;
            // Below 2^64 × 2^-1074: one rounding, then an exact scaling.
            scale_by_power_of_two(exact as f64, -1074)
        } else {
            let mut high = ((limbs[top] as u128) << 64)
                | ((limbs[top - 1] as u128) << 32)
                | limbs[top - 2] as u128;
            // `high` has at least 65 significant bits, so its lowest bit is
            // far below the rounding position and can stand for all the
            // digits below it (a sticky bit).
            if limbs[..top - 2].iter().any(|&l| l != 0) {
                high |= 1;
            }
            scale_by_power_of_two(high as f64, 32 * (top as i32 - 2) - 1074)
        };
        if negative { -magnitude } else { magnitude }
    }
}

impl ExactSum {
    /// The sign, and the magnitude as carried digits, each in [0, 2^32).
    /// (Carried, a negative sum is all digits below a -1 on top: negating
    /// and carrying again gives the magnitude's digits.)
    fn sign_and_magnitude(&self) -> (bool, Box<[i64; LIMBS]>) {
        let mut limbs = self.limbs.clone();
        carry(&mut limbs);
        let negative = limbs[LIMBS - 1] < 0;
        if negative {
            for limb in limbs.iter_mut() {
                *limb = -*limb;
            }
            carry(&mut limbs);
        }
        (negative, limbs)
    }

    /// The sum as exact f64 terms: each carried 32-bit digit times its
    /// power of two (32 bits fit a double exactly), the largest first.
    pub fn to_terms(&self) -> Terms {
        let special = self.special.map(|v| {
            if v.is_nan() {
                "nan".to_owned()
            } else if v > 0.0 {
                "inf".to_owned()
            } else {
                "-inf".to_owned()
            }
        });
        let (negative, limbs) = self.sign_and_magnitude();
        let sign = if negative { -1.0 } else { 1.0 };
        let terms = limbs
            .iter()
            .enumerate()
            .rev()
            .filter(|&(_, &l)| l != 0)
            .map(|(i, &l)| sign * scale_by_power_of_two(l as f64, 32 * i as i32 - 1074))
            .collect();
        Terms { terms, special }
    }

    /// The sum of `terms`, exactly.
    pub fn from_terms(terms: &Terms) -> ExactSum {
        let mut sum = ExactSum::default();
        for &t in &terms.terms {
            sum.add(t);
        }
        sum.special = terms.special.as_deref().map(|s| match s {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            _ => f64::NAN,
        });
        sum
    }
}

fn carry(limbs: &mut [i64; LIMBS]) {
    for i in 0..LIMBS - 1 {
        let c = limbs[i] >> 32;
        limbs[i] -= c << 32;
        limbs[i + 1] += c;
    }
}

/// x × 2^exponent, exact unless the result overflows (to infinity); `x` is
/// at least 1, so intermediate steps stay normal.
fn scale_by_power_of_two(mut x: f64, mut exponent: i32) -> f64 {
    let power = |e: i32| f64::from_bits(((1023 + e) as u64) << 52);
    while exponent > 1000 {
        x *= power(1000);
        exponent -= 1000;
    }
    while exponent < -1000 {
        x *= power(-1000);
        exponent += 1000;
    }
    x * power(exponent)
}

/// Running state of the `mean`, `sum` and `class` reductions. It holds O(C)
/// numbers whatever the number of rows, and partial states from any split of
/// the rows merge into exactly the state of the whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Accumulator {
    per_sample: bool,
    ignore: Option<Missing>,
    /// Samples counted: per-sample kinds skip one with nothing observed.
    rows: u64,
    /// Elements observed (not missing).
    observed: u64,
    /// Per-element kinds: the sum of the element losses (each row entering
    /// as its compensated sum); per-sample kinds: the sum of the samples' losses.
    total: ExactSum,
    /// The sum of each class's element losses; empty unless asked for.
    per_class: Vec<ExactSum>,
    /// Observed elements of each class (kept only with `--ignore-value`).
    per_class_observed: Vec<u64>,
    /// C for the `class` reduction, else 0. `per_class` is allocated by the
    /// first row (about 0.6 KB a class), so that a thread that gets no rows
    /// costs nothing.
    classes: usize,
}

impl Accumulator {
    /// `per_class` is C when the `class` reduction is wanted, 0 otherwise.
    pub fn new(loss: &Loss, per_class: usize) -> Self {
        Accumulator {
            per_sample: loss.kind().per_sample(),
            ignore: loss.ignore(),
            rows: 0,
            observed: 0,
            total: ExactSum::default(),
            per_class: Vec::new(),
            per_class_observed: Vec::new(),
            classes: per_class,
        }
    }

    /// Adds one sample's element losses (from [`Loss::element_losses`]);
    /// `targets` are the row's targets as read, to tell the missing ones.
    #[inline]
    pub fn add_row(&mut self, element_losses: &[f64], targets: &[f64]) {
        let observed = match self.ignore {
            None => element_losses.len(),
            Some(missing) => targets.iter().filter(|&&y| !missing.is(y)).count(),
        };
        if self.per_sample {
            // The mean over the observed classes; a sample with none adds nothing.
            if observed > 0 {
                self.rows += 1;
                self.observed += observed as u64;
                self.total
                    .add(compensated_sum(element_losses) / observed as f64);
            }
        } else {
            self.rows += 1;
            self.observed += observed as u64;
            // The row sum's two parts, added exactly: a row's rounding does
            // not survive into the total when rows cancel each other.
            let (sum, compensation) = compensated_sum_parts(element_losses);
            if (sum + compensation).is_finite() {
                self.total.add(sum);
                self.total.add(compensation);
            } else {
                self.total.add(compensated_sum(element_losses));
            }
        }
        if self.classes > 0 {
            if self.per_class.len() < self.classes {
                self.per_class.resize(self.classes, ExactSum::default());
                if self.ignore.is_some() {
                    self.per_class_observed.resize(self.classes, 0);
                }
            }
            for (sum, &l) in self.per_class.iter_mut().zip(element_losses) {
                sum.add(l);
            }
            if let Some(missing) = self.ignore {
                for (n, &y) in self.per_class_observed.iter_mut().zip(targets) {
                    *n += u64::from(!missing.is(y));
                }
            }
        }
    }

    /// Adds the state of other rows.
    pub fn merge(&mut self, other: &Accumulator) {
        self.rows += other.rows;
        self.observed += other.observed;
        self.total.merge(&other.total);
        if self.per_class.len() < other.per_class.len() {
            self.per_class
                .resize(other.per_class.len(), ExactSum::default());
        }
        for (a, b) in self.per_class.iter_mut().zip(&other.per_class) {
            a.merge(b);
        }
        if self.per_class_observed.len() < other.per_class_observed.len() {
            self.per_class_observed
                .resize(other.per_class_observed.len(), 0);
        }
        for (a, b) in self
            .per_class_observed
            .iter_mut()
            .zip(&other.per_class_observed)
        {
            *a += b;
        }
    }

    /// PyTorch's `sum`.
    pub fn sum(&self) -> f64 {
        self.total.value()
    }

    /// PyTorch's `mean`: over the observed elements, or for per-sample
    /// kinds over the samples (with at least one observed element).
    pub fn mean(&self) -> f64 {
        let count = if self.per_sample {
            self.rows
        } else {
            self.observed
        };
        self.total.value() / count as f64
    }

    /// The `class` reduction: each class's mean over the samples in which
    /// it is observed (NaN if it never is).
    pub fn class_means(&self) -> Vec<f64> {
        self.per_class
            .iter()
            .enumerate()
            .map(|(j, s)| {
                let count = self.per_class_observed.get(j).copied().unwrap_or(self.rows);
                s.value() / count as f64
            })
            .collect()
    }

    /// The whole state as plain numbers, for `--partial`: every exact sum
    /// as its terms (f64 values whose exact sum it is), and the counts.
    pub fn to_partial(&self) -> Partial {
        let classes = self.per_class.len();
        Partial {
            rows: self.rows,
            observed: self.observed,
            total: self.total.to_terms(),
            per_class: self.per_class.iter().map(ExactSum::to_terms).collect(),
            per_class_observed: if self.per_class_observed.is_empty() {
                vec![self.rows; classes]
            } else {
                self.per_class_observed.clone()
            },
        }
    }

    /// The state a [`Partial`] describes; `per_sample` as [`Kind::per_sample`].
    pub fn from_partial(per_sample: bool, partial: &Partial) -> Self {
        let classes = partial.per_class.len();
        let mut accumulator = Accumulator::new(&Loss::new(Kind::Bce, None, None), classes);
        accumulator.per_sample = per_sample;
        accumulator.rows = partial.rows;
        accumulator.observed = partial.observed;
        accumulator.total = ExactSum::from_terms(&partial.total);
        accumulator.per_class = partial.per_class.iter().map(ExactSum::from_terms).collect();
        accumulator.per_class_observed = partial.per_class_observed.clone();
        accumulator
    }
}

/// An [`Accumulator`]'s state in plain numbers (`mlloss loss --partial`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Partial {
    pub rows: u64,
    pub observed: u64,
    pub total: Terms,
    pub per_class: Vec<Terms>,
    pub per_class_observed: Vec<u64>,
}

/// An exact sum as f64 terms, largest first, whose exact sum it is; a NaN
/// or infinite total as `special` (JSON has no such numbers).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Terms {
    pub terms: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in ulps between two positive finite values.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn polynomial_softplus_matches_the_c_library() {
        // Both forms: separate and fused multiply-add (`mul_add` rounds as
        // the hardware instruction does, so this runs on any CPU).
        let softplus = [
            log1p_exp_neg_polynomial::<false>,
            log1p_exp_neg_polynomial::<true>,
        ];
        for (fused, polynomial) in softplus.into_iter().enumerate() {
            let mut worst = 0;
            let mut a = 0.0f64;
            while a <= POLYNOMIAL_LIMIT {
                worst = worst.max(ulps(polynomial(a), (-a).exp().ln_1p()));
                a += 0.000_731;
            }
            for a in [0.0, 1e-300, 1e-17, 1e-9, 0.5, 1.0, 2.0, 36.7, 707.9, 708.0] {
                worst = worst.max(ulps(polynomial(a), (-a).exp().ln_1p()));
            }
            assert!(worst <= 4, "fused = {fused}: worst error {worst} ulps");
        }
        for a in [708.1, 745.0, 746.0, 1e6] {
            assert_eq!(log1p_exp_neg(a), (-a).exp().ln_1p());
        }
    }

    /// Whatever the CPU picks (4-wide with fused multiply-add, or the
    /// portable code), the losses agree to a few ulps. Without AVX2 and FMA
    /// both are the portable code, so the test is skipped (see build.rs).
    #[test]
    #[cfg_attr(
        not(mlloss_host_avx2_fma),
        ignore = "skipped: this CPU lacks AVX2 or FMA, so only the portable kernel runs"
    )]
    fn dispatched_and_portable_kernels_agree() {
        let mut state = 3u64;
        let logits: Vec<f64> = (0..4096)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 100.0
            })
            .collect();
        let targets: Vec<f64> = logits.iter().map(|x| (x.abs() / 50.0).min(1.0)).collect();
        for loss in [
            Loss::new(Kind::Bce, Some(vec![0.7; 4096]), Some(vec![2.5; 4096])),
            Loss::new(Kind::MultiLabelSoftMargin, None, None),
        ] {
            let (mut dispatched, mut portable) = (vec![0.0; 4096], vec![0.0; 4096]);
            loss.element_losses(&logits, &targets, &mut dispatched);
            let (weight, pos_weight) = (loss.weight.as_deref(), loss.pos_weight.as_deref());
            loss.logit_losses::<false>(&logits, &targets, weight, pos_weight, &mut portable);
            for (a, b) in dispatched.iter().zip(&portable) {
                assert!(
                    (a - b).abs() <= 1e-14 * b.abs(),
                    "{:?}: {a:e} vs {b:e}",
                    loss.kind()
                );
            }
        }
    }

    #[test]
    fn row_and_scalar_forms_agree() {
        let logits = [0.0, -1.5, 3.0, 709.0, -800.0, 1e-3, -40.0];
        let mut row = [0.0; 7];
        log1p_exp_neg_abs_row::<false>(&logits, &mut row);
        for (r, x) in row.iter().zip(logits) {
            assert_eq!(*r, log1p_exp_neg(x.abs()), "{x}");
        }
    }

    #[test]
    fn log_sigmoid_is_stable_at_extremes() {
        assert_eq!(log_sigmoid(0.0), -std::f64::consts::LN_2);
        assert_eq!(log_sigmoid(1e6), -0.0);
        assert_eq!(log_sigmoid(-1e6), -1e6);
        assert!((log_sigmoid(-745.0) + 745.0).abs() < 1e-12);
    }

    #[test]
    fn bce_matches_direct_formula_at_moderate_logits() {
        let loss = Loss::new(Kind::Bce, None, None);
        let (x, y) = ([0.3, -1.2, 2.0], [1.0, 0.0, 0.25]);
        let mut out = [0.0; 3];
        loss.element_losses(&x, &y, &mut out);
        for i in 0..3 {
            let p = 1.0 / (1.0 + (-x[i]).exp());
            let direct = -(y[i] * p.ln() + (1.0 - y[i]) * (1.0 - p).ln());
            assert!((out[i] - direct).abs() < 1e-14, "{} vs {direct}", out[i]);
        }
    }

    #[test]
    fn pos_weight_scales_positive_term_only() {
        let plain = Loss::new(Kind::Bce, None, None);
        let weighted = Loss::new(Kind::Bce, None, Some(vec![3.0]));
        let (mut a, mut b) = ([0.0], [0.0]);
        plain.element_losses(&[0.7], &[0.0], &mut a);
        weighted.element_losses(&[0.7], &[0.0], &mut b);
        assert_eq!(a, b);
        plain.element_losses(&[0.7], &[1.0], &mut a);
        weighted.element_losses(&[0.7], &[1.0], &mut b);
        assert!((b[0] - 3.0 * a[0]).abs() < 1e-15);
    }

    /// Every (x, y) with x = ±∞ or NaN through the whole-row kernel, for
    /// both kinds, against the rule: PyTorch's IEEE value, or the limit
    /// where that value is NaN and the limit exists.
    #[test]
    fn nonfinite_logits_give_pytorch_values_or_limits() {
        let (inf, nan) = (f64::INFINITY, f64::NAN);
        let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
        // (kind, x, y, pos_weight, expected). Rows: PyTorch gives NaN and
        // the limit is 0 or ∞; PyTorch's value already is the limit; NaN in.
        let cases = [
            (Kind::Bce, inf, 1.0, None, 0.0),
            (Kind::Bce, -inf, 0.0, None, 0.0),
            (Kind::Bce, -inf, 1.0, None, inf),
            (Kind::Bce, -inf, 0.3, None, inf),
            (Kind::Bce, -inf, 0.3, Some(0.0), 0.0),
            (Kind::Bce, -inf, 1.0, Some(2.0), inf),
            (Kind::Bce, inf, 0.0, None, inf),
            (Kind::Bce, inf, 0.3, Some(2.0), inf),
            (Kind::Bce, nan, 1.0, None, nan),
            (Kind::Bce, inf, nan, None, nan),
            (Kind::MultiLabelSoftMargin, inf, 1.0, None, 0.0),
            (Kind::MultiLabelSoftMargin, -inf, 0.0, None, 0.0),
            (Kind::MultiLabelSoftMargin, inf, 0.3, None, inf),
            (Kind::MultiLabelSoftMargin, -inf, 0.3, None, inf),
            (Kind::MultiLabelSoftMargin, nan, 0.0, None, nan),
        ];
        for (kind, x, y, pos_weight, expected) in cases {
            let loss = Loss::new(kind, None, pos_weight.map(|p| vec![p; 3]));
            // The non-finite element between two finite ones.
            let mut out = [0.0; 3];
            loss.element_losses(&[0.5, x, -2.0], &[1.0, y, 0.0], &mut out);
            assert!(
                same(out[1], expected),
                "{kind:?} x = {x} y = {y} pos_weight = {pos_weight:?}: {} instead of {expected}",
                out[1]
            );
            let mut finite = [0.0; 2];
            loss.element_losses(&[0.5, -2.0], &[1.0, 0.0], &mut finite);
            assert_eq!([out[0], out[2]], finite, "{kind:?}: neighbours changed");
        }
        // A weight scales the limit; a zero weight makes it 0.
        let weighted =
            |w: f64| element_loss_nonfinite_logit(Kind::Bce, -f64::INFINITY, 1.0, None, w);
        assert_eq!(weighted(-2.0), -f64::INFINITY);
        assert_eq!(weighted(0.0), 0.0);
        assert!(weighted(f64::NAN).is_nan());
    }

    #[test]
    fn sums_with_infinities_follow_ieee() {
        let inf = f64::INFINITY;
        assert_eq!(compensated_sum(&[1.0, inf, 2.0, 3.0, 4.0]), inf);
        assert!(compensated_sum(&[1.0, inf, -inf]).is_nan());
        assert_eq!(compensated_sum(&[f64::MAX, f64::MAX, 1.0, 1.0]), inf);
        let mut total = ExactSum::default();
        for v in [1.0, inf, 2.0] {
            total.add(v);
        }
        assert_eq!(total.value(), inf);
        total.add(-inf);
        assert!(total.value().is_nan());
    }

    /// Rows that cancel each other: the second row's sum, -1e16 + 0.5,
    /// is not an f64 (it rounds to -1e16), but the total 2.5 is.
    #[test]
    fn totals_keep_what_a_rounded_row_sum_would_lose() {
        let mut total = Accumulator::new(&Loss::new(Kind::Bce, None, None), 0);
        total.add_row(&[1e16, 1.0, 1.0], &[0.0; 3]);
        total.add_row(&[-1e16, 0.5], &[0.0; 2]);
        assert_eq!(total.sum(), 2.5);
    }

    /// A state written as terms and read back merges exactly as the
    /// original does: `--partial` and `merge` lose nothing.
    #[test]
    fn partial_states_round_trip_exactly() {
        let loss = Loss::new(Kind::Bce, None, None);
        let mut whole = Accumulator::new(&loss, 3);
        let mut parts = [Accumulator::new(&loss, 3), Accumulator::new(&loss, 3)];
        let rows = [
            [1e16, 1.0, 1e-300],
            [-1e16, 0.5, 3.0],
            [0.1, 0.2, 0.3],
            [7e-5, 1e300, 2.0],
        ];
        for (i, row) in rows.iter().enumerate() {
            whole.add_row(row, &[0.0; 3]);
            parts[i % 2].add_row(row, &[0.0; 3]);
        }
        let mut merged = Accumulator::from_partial(false, &parts[0].to_partial());
        merged.merge(&Accumulator::from_partial(false, &parts[1].to_partial()));
        assert_eq!(merged.sum(), whole.sum());
        assert_eq!(merged.mean(), whole.mean());
        assert_eq!(merged.class_means(), whole.class_means());
        let json = serde_json::to_string(&whole.to_partial()).unwrap();
        let back: Partial = serde_json::from_str(&json).unwrap();
        assert_eq!(Accumulator::from_partial(false, &back).sum(), whole.sum());
    }

    #[test]
    fn compensated_sum_recovers_cancelled_terms() {
        assert_eq!(compensated_sum(&[1e100, 1.0, -1e100]), 1.0);
        assert_eq!(compensated_sum(&[0.1; 10]), 1.0);
    }

    fn exact(values: &[f64]) -> f64 {
        let mut sum = ExactSum::default();
        values.iter().for_each(|&v| sum.add(v));
        sum.value()
    }

    #[test]
    fn exact_sum_is_correctly_rounded() {
        assert_eq!(exact(&[]), 0.0);
        assert_eq!(exact(&[1e100, 1.0, -1e100]), 1.0);
        assert_eq!(exact(&[0.1; 10]), 1.0); // as Python's math.fsum
        assert_eq!(exact(&[f64::MAX, -f64::MAX, 5e-324]), 5e-324);
        assert_eq!(exact(&[5e-324, 5e-324]), 1e-323);
        assert_eq!(exact(&[-2.5, 1.0]), -1.5);
        assert_eq!(exact(&[f64::MAX, f64::MAX]), f64::INFINITY);
        assert_eq!(exact(&[f64::MAX, f64::MAX, -f64::MAX]), f64::MAX);
        // 1 + 2^-53 + 2^-105: the tail breaks the tie upwards.
        assert_eq!(
            exact(&[1.0, 2f64.powi(-53), 2f64.powi(-105)]),
            1.0 + f64::EPSILON
        );
        assert_eq!(exact(&[1.0, 2f64.powi(-53)]), 1.0);
        assert!(exact(&[f64::INFINITY, -f64::INFINITY]).is_nan());
        assert_eq!(exact(&[f64::INFINITY, 1.0]), f64::INFINITY);
    }

    #[test]
    fn exact_sum_ignores_order_and_splits() {
        let mut state = 7u64;
        let values: Vec<f64> = (0..10_000)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64;
                let sign = if state & 1 == 0 { 1.0 } else { -1.0 };
                sign * mantissa * 10f64.powi((i % 41) - 20)
            })
            .collect();
        let forward = exact(&values);
        let mut reversed = values.clone();
        reversed.reverse();
        assert_eq!(exact(&reversed), forward);
        let (mut left, mut right) = (ExactSum::default(), ExactSum::default());
        values[..3333].iter().for_each(|&v| left.add(v));
        values[3333..].iter().for_each(|&v| right.add(v));
        left.merge(&right);
        assert_eq!(left.value(), forward);
    }

    #[test]
    fn exact_sum_carries_when_digits_fill_up() {
        // Start just before a carry is due, with values whose digits are all
        // at their largest, so that the carry path runs mid-sum.
        let mut sum = ExactSum {
            adds_since_carry: ADDS_BEFORE_CARRY - 2,
            ..ExactSum::default()
        };
        let v = f64::from_bits(0x3fff_ffff_ffff_ffff);
        for _ in 0..4 {
            sum.add(v);
        }
        assert_eq!(sum.adds_since_carry, 2);
        assert_eq!(sum.value(), 4.0 * v);
    }

    #[test]
    fn broadcast_rules() {
        assert_eq!(broadcast(&[2.0], 3), Some(vec![2.0; 3]));
        assert_eq!(broadcast(&[1.0, 2.0], 2), Some(vec![1.0, 2.0]));
        assert_eq!(broadcast(&[1.0, 2.0], 3), None);
    }
}
