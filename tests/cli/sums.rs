//! Large and adversarial sums: 10 million element losses spanning 20
//! orders of magnitude, with weights of both signs so that they cancel.
//! `sum` and `mean` must match the correctly rounded sum of the printed
//! element losses within a few ulps, where a plain running sum does not.

use crate::harness::{Workdir, numbers, success};

/// The correctly rounded sum of `values` (Shewchuk's algorithm, as in
/// Python's `math.fsum`), written independently of mlloss's accumulator.
fn fsum(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for mut x in values {
        let mut kept = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    let Some(mut n) = partials.len().checked_sub(1) else {
        return 0.0;
    };
    let (mut hi, mut lo) = (partials[n], 0.0);
    while n > 0 {
        let x = hi;
        n -= 1;
        let y = partials[n];
        hi = x + y;
        lo = y - (hi - x);
        if lo != 0.0 {
            break;
        }
    }
    // Round half to even across the remaining partials.
    if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        if y == x - hi {
            hi = x;
        }
    }
    hi
}

fn ulps_apart(a: f64, b: f64) -> u64 {
    assert!(
        a.is_finite() && b.is_finite() && a.signum() == b.signum(),
        "{a} vs {b}"
    );
    a.to_bits().abs_diff(b.to_bits())
}

#[test]
fn fsum_is_correctly_rounded_on_known_cases() {
    assert_eq!(fsum([0.1; 10]), 1.0);
    assert_eq!(fsum([1e100, 1.0, -1e100, 1e-100]), 1.0);
    assert_eq!(fsum([1.0, 1e-16, 1e-16]), 1.0000000000000002);
}

#[test]
fn ten_million_losses_over_twenty_orders_of_magnitude_sum_exactly() {
    const ROWS: usize = 100_000;
    const COLS: usize = 100;
    // Seeded xorshift: logits in [-46, 4], so that with target 0 the
    // losses (≈ exp(x) for very negative x) run from about 1e-20 to 4.
    let mut next = crate::harness::uniform(0x9E37_79B9_7F4A_7C15u64);
    // Columns come in pairs with equal logits and weights +1 and -1, so
    // that their losses cancel exactly; every fifth pair has its own logits
    // and weights of ±1e-12, and the sum is what those leave: about 1e-8
    // of the magnitude of the terms. A running sum keeps the rounding
    // errors of the large terms, far more than the result's ulps.
    let mut logits = String::with_capacity(ROWS * COLS * 12);
    for _ in 0..ROWS {
        let mut x = 0.0;
        for j in 0..COLS {
            if j % 2 == 0 || j % 10 == 9 {
                x = -46.0 + 50.0 * next();
            }
            logits.push_str(&format!("{x:.6}"));
            logits.push(if j + 1 == COLS { '\n' } else { ',' });
        }
    }
    let zeros = vec!["0"; COLS].join(",") + "\n";
    let weights: Vec<&str> = (0..COLS)
        .map(|j| match j % 10 {
            8 => "1e-12",
            9 => "-1e-12",
            _ if j % 2 == 0 => "1",
            _ => "-1",
        })
        .collect();
    let weights = weights.join(",");
    let dir = Workdir::new();
    dir.write("x.csv", logits)
        .write("y.csv", zeros.repeat(ROWS));
    for kind in ["bce", "mlsm"] {
        let run = |reduction: &str| {
            let args = [
                "loss", "-k", kind, "--weight", &weights, "-r", reduction, "x.csv", "y.csv",
            ];
            numbers(&success(&dir.run(&args)))
        };
        let elements: Vec<f64> = run("none").into_iter().flatten().collect();
        let expected_count = if kind == "bce" { ROWS * COLS } else { ROWS };
        assert_eq!(elements.len(), expected_count);
        let (smallest, largest) = elements.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &l| {
            (lo.min(l.abs()), hi.max(l.abs()))
        });
        let exact = fsum(elements.iter().copied());
        let naive: f64 = elements.iter().sum();
        // mlsm's elements are the per-sample losses, in which the pairs
        // have already cancelled.
        if kind == "bce" {
            assert!(
                largest / smallest > 1e20,
                "losses span {smallest:e} to {largest:e}"
            );
            let magnitude = fsum(elements.iter().map(|l| l.abs()));
            assert!(
                exact.abs() < magnitude * 1e-6,
                "the terms cancel: {exact} of {magnitude}"
            );
            assert!(
                ulps_apart(naive, exact) > 1000,
                "a running sum would do: {naive} vs {exact}"
            );
        }
        let sum = run("sum")[0][0];
        assert!(
            ulps_apart(sum, exact) <= 2,
            "{kind} sum {sum:e} vs exact {exact:e} ({} ulps; a running sum is {} ulps off)",
            ulps_apart(sum, exact),
            ulps_apart(naive, exact)
        );
        let mean = run("mean")[0][0];
        let exact_mean = exact / elements.len() as f64;
        assert!(
            ulps_apart(mean, exact_mean) <= 2,
            "{kind} mean {mean:e} vs {exact_mean:e}"
        );
    }
}
