//! Writes the benchmark inputs deterministically (same bytes on every run).
//!
//!     bench_data logits ROWS COLS SEED   # numpy savetxt(fmt='%.7g', delimiter=',') of N(0, 3²) values
//!     bench_data targets ROWS COLS SEED  # 0/1 with P(1) = 0.2
//!     bench_data labels ROWS CLASSES SEED # 0–5 labels per row, named tag0…tagK-1
//!
//! Output goes to stdout. Used by bench/run.sh.

use std::io::{self, BufWriter, Write};

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// C's `%.7g`, as numpy's savetxt writes it.
fn format_g7(out: &mut Vec<u8>, value: f64) {
    const P: i32 = 7;
    if value == 0.0 {
        out.push(b'0');
        return;
    }
    let sci = format!("{:.*e}", (P - 1) as usize, value);
    let (mantissa, exponent) = sci.split_once('e').expect("scientific form");
    let exponent: i32 = exponent.parse().expect("exponent");
    if (-4..P).contains(&exponent) {
        let fixed = format!("{:.*}", (P - 1 - exponent) as usize, value);
        out.extend_from_slice(strip_zeros(&fixed).as_bytes());
    } else {
        out.extend_from_slice(strip_zeros(mantissa).as_bytes());
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    }
}

fn strip_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: bench_data logits|targets|labels ROWS COLS SEED";
    let [_, what, rows, cols, seed] = &args[..] else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let (rows, cols, seed): (usize, usize, u64) = match (rows.parse(), cols.parse(), seed.parse()) {
        (Ok(r), Ok(c), Ok(s)) => (r, c, s),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let mut rng = Rng(seed);
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let mut line = Vec::new();
    for _ in 0..rows {
        line.clear();
        match what.as_str() {
            "logits" => {
                for j in 0..cols {
                    if j > 0 {
                        line.push(b',');
                    }
                    format_g7(&mut line, 3.0 * rng.normal());
                }
            }
            "targets" => {
                for j in 0..cols {
                    if j > 0 {
                        line.push(b',');
                    }
                    line.push(if rng.uniform() < 0.2 { b'1' } else { b'0' });
                }
            }
            "labels" => {
                let count = (rng.next_u64() % 6) as usize;
                for j in 0..count {
                    if j > 0 {
                        line.push(b',');
                    }
                    let _ = write!(line, "tag{}", rng.next_u64() % cols as u64);
                }
            }
            _ => {
                eprintln!("{usage}");
                std::process::exit(2);
            }
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}
