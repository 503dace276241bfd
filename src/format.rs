//! Values written as Python writes them: every float mlloss prints goes
//! through [`write_f64`], and strings quoted in messages that mimic
//! scikit-learn's through [`python_str_repr`].
//!
//! A float is the shortest decimal that reads back as the same `f64`, laid
//! out exactly as Python's `repr(float)` does, so that mlloss's output can be
//! compared with PyTorch's printed values textually.

use std::fmt::Write as _;

use unicode_general_category::{GeneralCategory, get_general_category};

/// Appends `value` to `out` as Python's `repr` would print it.
///
/// Python uses fixed notation when the decimal exponent e (value =
/// d.ddd × 10^e) satisfies -4 <= e <= 15, and scientific notation otherwise,
/// with a signed exponent of at least two digits (`1e-05`, `1e+16`). zmij
/// finds the shortest round-trip digits and lays them out the same way,
/// except that it still writes e = -5 in fixed notation (`0.00001234`), which
/// is rewritten here.
#[inline]
pub fn write_f64(out: &mut Vec<u8>, value: f64) {
    if !value.is_finite() {
        out.extend_from_slice(if value.is_nan() {
            b"nan"
        } else if value > 0.0 {
            b"inf"
        } else {
            b"-inf"
        });
        return;
    }
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(value).as_bytes();
    // Between 1e-4 and 1e16 both write the same fixed notation.
    let magnitude = value.abs();
    if (1e-4..1e16).contains(&magnitude) {
        out.extend_from_slice(text);
        return;
    }
    let (sign, unsigned) = match text.split_first() {
        Some((b'-', rest)) => (&text[..1], rest),
        _ => (&text[..0], text),
    };
    if let Some(digits) = unsigned.strip_prefix(b"0.0000") {
        out.extend_from_slice(sign);
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.extend_from_slice(b"e-05");
        return;
    }
    match memchr::memchr(b'e', text) {
        // Python pads the exponent to two digits and always signs it.
        Some(e) => {
            out.extend_from_slice(&text[..=e]);
            let exponent = &text[e + 1..];
            let (exp_sign, exp_digits) = match exponent.split_first() {
                Some((&s @ (b'-' | b'+'), rest)) => (s, rest),
                _ => (b'+', exponent),
            };
            out.push(exp_sign);
            if exp_digits.len() < 2 {
                out.push(b'0');
            }
            out.extend_from_slice(exp_digits);
        }
        None => out.extend_from_slice(text),
    }
}

/// Appends `value` with `digits` significant digits, as Python's
/// `format(value, f".{digits}g")` (C's `%.*g`) writes it: fixed notation when
/// the decimal exponent X of the rounded value is in -4 <= X < digits,
/// scientific otherwise (`1.5e-05`), trailing zeros removed. The rounding
/// is correct (Rust's exact formatting, round half to even on the exact
/// binary value).
pub fn write_f64_digits(out: &mut Vec<u8>, value: f64, digits: usize) {
    use std::io::Write;
    if !value.is_finite() || value == 0.0 {
        // 0.0 and -0.0 print as `0` and `-0` under %g.
        if value == 0.0 {
            out.extend_from_slice(if value.is_sign_negative() {
                b"-0"
            } else {
                b"0"
            });
        } else {
            write_f64(out, value);
        }
        return;
    }
    let digits = digits.max(1);
    let mut scientific = Vec::with_capacity(32);
    let _ = write!(scientific, "{:.*e}", digits - 1, value);
    let e = memchr::memchr(b'e', &scientific).expect("scientific notation");
    let exponent: i32 = std::str::from_utf8(&scientific[e + 1..])
        .ok()
        .and_then(|t| t.parse().ok())
        .expect("an exponent");
    let (negative, mantissa) = match scientific[..e].split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, &scientific[..e]),
    };
    // The significant digits, without the point.
    let significant: Vec<u8> = mantissa.iter().copied().filter(|&b| b != b'.').collect();
    if negative {
        out.push(b'-');
    }
    if (-4..digits as i32).contains(&exponent) {
        // Fixed: the point goes after exponent + 1 digits.
        let mut text = Vec::with_capacity(digits + 8);
        if exponent < 0 {
            text.extend_from_slice(b"0.");
            text.extend(std::iter::repeat_n(b'0', (-exponent - 1) as usize));
            text.extend_from_slice(&significant);
        } else {
            let point = exponent as usize + 1;
            text.extend_from_slice(&significant[..point]);
            text.push(b'.');
            text.extend_from_slice(&significant[point..]);
        }
        while text.last() == Some(&b'0') && text.contains(&b'.') {
            text.pop();
        }
        if text.last() == Some(&b'.') {
            text.pop();
        }
        out.extend_from_slice(&text);
    } else {
        let mut mantissa = significant.clone();
        while mantissa.len() > 1 && mantissa.last() == Some(&b'0') {
            mantissa.pop();
        }
        out.push(mantissa[0]);
        if mantissa.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&mantissa[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    }
}

/// Python's `repr()` of a str: in single quotes, or in double quotes when
/// the text holds a single quote and no double quote; backslashes and the
/// chosen quote escaped; `\t`, `\n`, `\r` and `\xhh` for the other ASCII
/// controls; other characters as they are unless `str.isprintable` is false
/// for them (separators, controls, format characters, private use and
/// unassigned code points), which become `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
/// Printability follows Unicode 16 (Python 3.14's); the strings tested
/// against CPython 3.11 (Unicode 14) in `fixtures/format/` agree in both.
pub fn python_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_python_printable(c) => out.push(c),
            c => {
                let code = u32::from(c);
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02x}"),
                    0x100..=0xffff => write!(out, "\\u{code:04x}"),
                    _ => write!(out, "\\U{code:08x}"),
                };
            }
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable` for one character: false for the general
/// categories "Other" (Cc, Cf, Cs, Co, Cn) and "Separator" (Zl, Zp, Zs)
/// except the ASCII space.
fn is_python_printable(c: char) -> bool {
    use GeneralCategory::*;
    c == ' '
        || !matches!(
            get_general_category(c),
            Control
                | Format
                | Surrogate
                | PrivateUse
                | Unassigned
                | LineSeparator
                | ParagraphSeparator
                | SpaceSeparator
        )
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

    /// Against C's printf `%.*g` (what Python's format(x, ".Ng") gives).
    #[test]
    fn significant_digits_like_printf_g() {
        let cases: [(f64, usize, &str); 16] = [
            (std::f64::consts::LN_2, 6, "0.693147"),
            (2.64738984737478, 3, "2.65"),
            (1.0, 6, "1"),
            (100.0, 2, "1e+02"),
            (123456.0, 6, "123456"),
            (1234567.0, 6, "1.23457e+06"),
            (0.0001234, 3, "0.000123"),
            (0.00001234, 3, "1.23e-05"),
            (-2.5, 1, "-2"),
            (3.5, 1, "4"),
            (0.5, 3, "0.5"),
            (1e-300, 4, "1e-300"),
            (1.7976931348623157e308, 17, "1.7976931348623157e+308"),
            (0.1, 17, "0.10000000000000001"),
            (-0.0, 5, "-0"),
            (9.9999, 3, "10"),
        ];
        for (value, digits, want) in cases {
            let mut out = Vec::new();
            write_f64_digits(&mut out, value, digits);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{value} .{digits}g");
        }
    }

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
            (-1.5e-5, "-1.5e-05"),
            (9.999e-5, "9.999e-05"),
            (1.234e-6, "1.234e-06"),
            (1e-7, "1e-07"),
            (1.5e-300, "1.5e-300"),
            (12340000000.0, "12340000000.0"),
            (0.5, "0.5"),
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

    /// 10,000 values printed by CPython's repr(): random bit patterns, short
    /// decimals around the fixed/scientific switch, and ties near 2^53 where
    /// two 17-digit forms round-trip and Python picks the nearer (even) one.
    #[test]
    fn agrees_with_cpython_repr() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/format/python-repr.txt"
        );
        let text = std::fs::read_to_string(path).expect("fixture");
        let mut checked = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (bits, want) = line.split_once(' ').expect("two fields");
            let value = f64::from_bits(u64::from_str_radix(bits, 16).expect("hex"));
            assert_eq!(f64_to_string(value), want, "{bits}");
            checked += 1;
        }
        assert_eq!(checked, 10_000);
    }

    /// Hard strings and CPython's repr() of each (written by
    /// `fixtures/format/generate_str_repr.py`).
    #[test]
    fn str_repr_agrees_with_cpython() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/format/python-str-repr.json"
        );
        let text = std::fs::read_to_string(path).expect("fixture");
        let fixture: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let cases = fixture["cases"].as_array().expect("cases");
        for case in cases {
            let (string, want) = (case["string"].as_str(), case["repr"].as_str());
            let (string, want) = (string.expect("a string"), want.expect("a repr"));
            assert_eq!(python_str_repr(string), want, "{string:?}");
        }
        assert!(cases.len() >= 50, "only {} cases", cases.len());
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
