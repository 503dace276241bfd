//! Number formatting: every float mlloss prints goes through [`write_f64`].
//!
//! The output is the shortest decimal that reads back as the same `f64`, laid
//! out exactly as Python's `repr(float)` does, so that mlloss's output can be
//! compared with PyTorch's printed values textually.

use std::io::Write;

/// Appends `value` to `out` as Python's `repr` would print it.
///
/// Python uses fixed notation when the decimal exponent `d` (value =
/// 0.DIGITS × 10^d) satisfies -4 < d <= 16 and scientific notation otherwise,
/// with a signed exponent of at least two digits (`1e-05`, `1e+16`).
pub fn write_f64(out: &mut Vec<u8>, value: f64) {
    if value.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if value.is_infinite() {
        out.extend_from_slice(if value > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    if value == 0.0 {
        out.extend_from_slice(if value.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return;
    }
    if value < 0.0 {
        out.push(b'-');
    }
    let mut buffer = ryu::Buffer::new();
    let (digits, point) = shortest_digits(buffer.format_finite(value.abs()));
    let digits = &digits[..];
    let n = digits.len() as i32;
    if -4 < point && point <= 16 {
        if point <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-point) as usize));
            out.extend_from_slice(digits);
        } else if point >= n {
            out.extend_from_slice(digits);
            out.extend(std::iter::repeat_n(b'0', (point - n) as usize));
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&digits[..point as usize]);
            out.push(b'.');
            out.extend_from_slice(&digits[point as usize..]);
        }
    } else {
        out.push(digits[0]);
        if n > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        let exponent = point - 1;
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{magnitude}");
    }
}

/// Splits ryu's output for a positive finite number into its significant
/// digits (no leading or trailing zeros) and the decimal point position `d`
/// such that the value is 0.DIGITS × 10^d. ryu's own layout (fixed or
/// scientific) is thereby irrelevant.
fn shortest_digits(text: &str) -> (Vec<u8>, i32) {
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = Vec::with_capacity(int_part.len() + frac_part.len());
    digits.extend_from_slice(int_part.as_bytes());
    digits.extend_from_slice(frac_part.as_bytes());
    let mut point = int_part.len() as i32 + exponent;
    let leading = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..leading);
    point -= leading as i32;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, point)
}

/// Formats one value into a fresh string; for tests and messages.
pub fn f64_to_string(value: f64) -> String {
    let mut out = Vec::new();
    write_f64(&mut out, value);
    String::from_utf8(out).expect("formatter writes ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_repr() {
        // Each pair was printed by CPython 3.11's repr().
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000123, "0.000123"),
            (1.5e-5, "1.5e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e16, "1.2345e+16"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (9.657711924278466, "9.657711924278466"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (2.0f64.powi(52), "4503599627370496.0"),
            (123.0, "123.0"),
            (1000.0, "1000.0"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for &(value, want) in cases {
            assert_eq!(f64_to_string(value), want, "{value:e}");
        }
    }

    #[test]
    fn round_trips() {
        let mut x = 1.234_567_890_123e-300_f64;
        while x < 1e300 {
            let s = f64_to_string(x);
            assert_eq!(s.parse::<f64>().unwrap(), x, "{s}");
            x *= 7.123_456_789;
        }
    }
}
