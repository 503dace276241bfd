//! Micro-benchmarks of the per-value hot paths: `cargo bench`.
//!
//! Each runs on one row of the benchmark data (50 values, written like
//! numpy's savetxt '%.7g'), so per-row times divided by 50 are per value.

use divan::{Bencher, black_box};
use mlloss::domain::Domain;
use mlloss::format::write_f64;
use mlloss::input::csv::parse_plain_record;
use mlloss::loss::{Accumulator, Kind, Loss, RowWeights, Shape};
use mlloss::numerics::compensated_sum;

fn main() {
    divan::main();
}

const LOGITS: &[u8] = b"-0.08474924,-0.6837586,0.3092729,-1.518612,1.29643,-3.184327,-3.698153,1.925086,1.120786,1.962542,6.099984,2.542203,4.527624,-0.7793573,7.504411,-2.60352,-3.780969,-4.885186,-0.036722,-0.9309058,-0.4249648,-2.83124,0.8465184,2.43151,1.212151,3.144711,4.179898,3.489671,1.677362,0.6212968,3.089549,-2.211522,-0.454294,7.61635,2.324133,2.546338,-0.2554138,-3.148107,1.859409,1.526721,0.5088702,2.988188,2.431058,1.589179,-0.4174733,-1.611596,6.20123,2.532206,0.9300533,-4.60724";
const TARGETS: &[u8] = b"0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,1,0,0,0,1,1,0,0,0,0,0,1,0";

fn row(text: &[u8], domain: Domain) -> Vec<f64> {
    let mut out = Vec::new();
    parse_plain_record(text, b',', domain, &mut out).expect("valid row");
    out
}

/// The loss of each element of one row, without row weights.
fn element_losses(loss: &Loss, x: &[f64], y: &[f64], out: &mut [f64]) {
    let mut scratch = Vec::new();
    loss.element_losses(x, y, RowWeights::default(), &mut scratch, out);
}

fn kind(name: &str) -> Kind {
    Kind::all()
        .into_iter()
        .find(|k| k.name() == name)
        .expect("a kind")
}

/// The bce element losses of the benchmark row.
fn bce_losses() -> Vec<f64> {
    let (x, y) = (
        row(LOGITS, Domain::FINITE),
        row(TARGETS, Domain::UNIT_INTERVAL),
    );
    let mut losses = vec![0.0; x.len()];
    element_losses(&Loss::new(kind("bce")), &x, &y, &mut losses);
    losses
}

#[divan::bench]
fn parse_logits_row(bencher: Bencher) {
    let mut out = Vec::with_capacity(64);
    bencher.bench_local(|| {
        out.clear();
        parse_plain_record(black_box(LOGITS), b',', Domain::FINITE, &mut out)
    });
}

#[divan::bench]
fn parse_targets_row(bencher: Bencher) {
    let mut out = Vec::with_capacity(64);
    bencher.bench_local(|| {
        out.clear();
        parse_plain_record(black_box(TARGETS), b',', Domain::UNIT_INTERVAL, &mut out)
    });
}

#[divan::bench(args = ["bce", "multilabel-soft-margin"])]
fn element_losses_row(bencher: Bencher, name: &str) {
    let (x, y) = (
        row(LOGITS, Domain::FINITE),
        row(TARGETS, Domain::UNIT_INTERVAL),
    );
    let loss = Loss::new(kind(name));
    let mut out = vec![0.0; x.len()];
    bencher.bench_local(|| element_losses(&loss, black_box(&x), black_box(&y), &mut out));
}

#[divan::bench]
fn accumulate_row(bencher: Bencher) {
    let losses = bce_losses();
    let targets = vec![0.0; losses.len()];
    let mut accumulator = Accumulator::new(Shape::Elements, None, 0);
    bencher.bench_local(|| accumulator.add_row(black_box(&losses), &targets));
}

#[divan::bench]
fn row_sum(bencher: Bencher) {
    let x = row(LOGITS, Domain::FINITE);
    bencher.bench_local(|| compensated_sum(black_box(&x)));
}

#[divan::bench]
fn format_row(bencher: Bencher) {
    let losses = bce_losses();
    let mut text = Vec::with_capacity(1024);
    bencher.bench_local(|| {
        text.clear();
        for &l in black_box(&losses) {
            write_f64(&mut text, l);
            text.push(b',');
        }
    });
}

#[divan::bench]
fn format_zmij_only(bencher: Bencher) {
    let losses = bce_losses();
    let mut text = Vec::with_capacity(1024);
    bencher.bench_local(|| {
        text.clear();
        let mut buffer = zmij::Buffer::new();
        for &l in black_box(&losses) {
            text.extend_from_slice(buffer.format_finite(l).as_bytes());
        }
    });
}

/// The same digits with and without a decimal point: the difference is what
/// the division by a power of ten costs in fast-float2's exact fast path.
#[divan::bench(args = ["with_point", "integers"])]
fn fast_float_division_cost(bencher: Bencher, form: &str) {
    let text = if form == "integers" {
        String::from_utf8(LOGITS.iter().copied().filter(|&b| b != b'.').collect()).unwrap()
    } else {
        String::from_utf8(LOGITS.to_vec()).unwrap()
    };
    let fields: Vec<String> = text.split(',').map(str::to_owned).collect();
    bencher.bench_local(|| {
        let mut sum = 0.0;
        for f in black_box(&fields) {
            sum += fast_float2::parse::<f64, _>(f).unwrap_or(0.0);
        }
        sum
    });
}

/// 1,000 different rows, so that branch prediction cannot learn one row's
/// digit pattern as it does in the single-row benchmarks above.
fn varied_logits() -> Vec<u8> {
    let mut state = 42u64;
    let mut text = Vec::new();
    for _ in 0..1000 {
        for j in 0..50 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let x = ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 12.0;
            let digits = 1 + (state >> 7) % 7;
            let rounded = (x * 10f64.powi(digits as i32)).round() / 10f64.powi(digits as i32);
            if j > 0 {
                text.push(b',');
            }
            text.extend_from_slice(format!("{rounded}").as_bytes());
        }
        text.push(b'\n');
    }
    text
}

#[divan::bench]
fn parse_varied_logits_1000_rows(bencher: Bencher) {
    let text = varied_logits();
    let rows: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|r| !r.is_empty())
        .collect();
    let mut out = Vec::with_capacity(64);
    bencher.bench_local(|| {
        for row in black_box(&rows) {
            out.clear();
            parse_plain_record(row, b',', Domain::FINITE, &mut out).unwrap();
        }
    });
}
