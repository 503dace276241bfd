//! The fast path of CSV parsing: a quote-free record of numbers in one
//! pass, with exact shortcuts for one-digit fields and short decimals.

use crate::domain::Domain;
use crate::input::cell::parse_cell;

/// A record of one-digit fields (`0,1,0,…`: hard targets, binarize's
/// output) in one pass without per-field branches; `None` if the record is
/// anything else.
#[inline]
fn parse_digit_record(
    record: &[u8],
    delimiter: u8,
    domain: Domain,
    out: &mut Vec<f64>,
) -> Option<Result<usize, (usize, &'static str)>> {
    let fields = record.len().div_ceil(2);
    // Most other records fail on their second byte.
    if record.len().is_multiple_of(2) || record.get(1).is_some_and(|&b| b != delimiter) {
        return None;
    }
    // Digits at even offsets, delimiters at odd ones.
    let mut mismatch = 0u8;
    for (i, &b) in record.iter().enumerate() {
        let want_digit = i % 2 == 0;
        let is_digit = b.wrapping_sub(b'0') <= 9;
        let is_delimiter = b == delimiter;
        mismatch |= u8::from(if want_digit { !is_digit } else { !is_delimiter });
    }
    if mismatch != 0 {
        return None;
    }
    out.extend(record.iter().step_by(2).map(|&d| f64::from(d - b'0')));
    if domain.range != crate::domain::Range::Any {
        // Each digit that occurs is checked once, not each field: a check
        // per field cost more than the parse (and its codegen shifted with
        // unrelated changes elsewhere).
        let digits = || record.iter().step_by(2).map(|&d| d - b'0');
        let present = digits().fold(0u16, |seen, d| seen | 1 << d);
        let bad = (0..10u8)
            .filter(|&d| present >> d & 1 != 0 && domain.check(f64::from(d)).is_some())
            .fold(0u16, |bad, d| bad | 1 << d);
        if bad != 0
            && let Some((field, d)) = digits().enumerate().find(|&(_, d)| bad >> d & 1 != 0)
            && let Some(what) = domain.check(f64::from(d))
        {
            return Some(Err((field, what)));
        }
    }
    Some(Ok(fields))
}

/// Powers of ten that f64 holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// A field `[-+]digits[.digits]` of at most 15 digits, ending at the
/// delimiter or the record's end: its value and length. Such a value is
/// m / 10^k with m < 2^53 and k ≤ 15, both exact in f64, so the one
/// division is correctly rounded (Clinger's fast path): the same f64 as
/// fast-float2 gives, without depending on LLVM inlining fast-float2's
/// parser into the field loop (which code elsewhere in the crate tipped
/// either way, at 10% of a CSV `mean`'s instructions). Anything else
/// (more digits, an exponent, spaces) is `None`, for fast-float2.
#[inline(always)]
fn short_decimal(field: &[u8], delimiter: u8) -> Option<(f64, usize)> {
    let (negative, mut i) = match field.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    // The digits from `i` on, appended to `mantissa`: how many.
    let mut mantissa = 0u64;
    let mut run = |i: &mut usize| {
        let start = *i;
        while let Some(d) = field
            .get(*i)
            .map(|b| b.wrapping_sub(b'0'))
            .filter(|&d| d <= 9)
        {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
            *i += 1;
        }
        *i - start
    };
    let digits = run(&mut i);
    let mut decimals = 0usize;
    if field.get(i) == Some(&b'.') {
        i += 1;
        decimals = run(&mut i);
    }
    let total = digits + decimals;
    if total == 0 || total > 15 || field.get(i).is_some_and(|&b| b != delimiter) {
        return None;
    }
    // m < 10^15 < 2^53: exact as f64.
    let value = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals];
    Some((if negative { -value } else { value }, i))
}

/// Parses the fields of one quote-free record into `out`, returning how
/// many there were. `Err` carries the 0-based field index and what is wrong.
#[inline]
pub fn parse_plain_record(
    record: &[u8],
    delimiter: u8,
    domain: Domain,
    out: &mut Vec<f64>,
) -> Result<usize, (usize, &'static str)> {
    if let Some(fields) = parse_digit_record(record, delimiter, domain, out) {
        return fields;
    }
    let mut position = 0;
    let mut field = 0;
    loop {
        let rest = &record[position..];
        let (value, used) = match rest {
            // Hard 0/1 targets and other one-digit values.
            [d @ b'0'..=b'9', tail @ ..] if tail.first().is_none_or(|&b| b == delimiter) => {
                ((d - b'0') as f64, 1)
            }
            // Short plain decimals (`-1.234567`, what `%.7g` writes), exactly.
            _ if let Some((value, used)) = short_decimal(rest, delimiter) => (value, used),
            // fast-float2 reads the number and says where it ends; the field
            // must end there too.
            _ => match fast_float2::parse_partial::<f64, _>(rest) {
                Ok((value, used)) if rest.get(used).is_none_or(|&b| b == delimiter) => {
                    (value, used)
                }
                // Spaces, `0x10`, garbage: the general parser decides.
                _ => {
                    let used = memchr::memchr(delimiter, rest).unwrap_or(rest.len());
                    let value = parse_cell(&rest[..used], domain).map_err(|what| (field, what))?;
                    (value, used)
                }
            },
        };
        if let Some(what) = domain.check(value) {
            return Err((field, what));
        }
        out.push(value);
        field += 1;
        position += used;
        if position >= record.len() {
            return Ok(field);
        }
        position += 1; // the delimiter
        if position == record.len() {
            // A trailing delimiter leaves an empty last field.
            return Err((field, "empty cell"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short-decimal path gives fast-float2's f64, bit for bit, on
    /// every form it takes, and declines the others.
    #[test]
    fn short_decimals_are_fast_floats_values() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut taken = 0;
        for _ in 0..200_000 {
            let r = next();
            let int_digits = (r % 9) as usize;
            let decimals = (r >> 8) as usize % 12;
            let mut text = String::new();
            match (r >> 16) % 3 {
                0 => text.push('-'),
                1 => text.push('+'),
                _ => {}
            }
            for _ in 0..int_digits {
                text.push(char::from(b'0' + (next() % 10) as u8));
            }
            if (r >> 20) % 4 != 0 {
                text.push('.');
                for _ in 0..decimals {
                    text.push(char::from(b'0' + (next() % 10) as u8));
                }
            }
            let field = format!("{text},1");
            let got = short_decimal(field.as_bytes(), b',');
            let want = fast_float2::parse_partial::<f64, _>(text.as_bytes())
                .ok()
                .filter(|&(_, used)| used == text.len());
            match got {
                Some((value, used)) => {
                    taken += 1;
                    assert_eq!(used, text.len(), "{text}");
                    let (w, _) = want.unwrap_or_else(|| panic!("{text}: fast-float2 refuses"));
                    assert_eq!(value.to_bits(), w.to_bits(), "{text}");
                }
                None => {
                    let digits = text.bytes().filter(u8::is_ascii_digit).count();
                    assert!(digits == 0 || digits > 15, "{text} declined");
                }
            }
        }
        assert!(taken > 100_000, "{taken}");
        for declined in [
            "1e5", "1.5e-3", " 1", "1 ", "0x10", "1_000", "--1", "1.2.3", ".", "-", "",
        ] {
            let field = format!("{declined},");
            assert!(
                short_decimal(field.as_bytes(), b',').is_none(),
                "{declined}"
            );
        }
        assert_eq!(
            short_decimal(b"-0.0", b',').map(|(v, _)| v.to_bits()),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(short_decimal(b"5.", b','), Some((5.0, 2)));
        assert_eq!(short_decimal(b".5", b','), Some((0.5, 2)));
    }

    #[test]
    fn plain_records_fall_back_for_anything_unusual() {
        let mut out = Vec::new();
        assert_eq!(
            parse_plain_record(b"1, 2 ,1e400x,", b',', Domain::FINITE, &mut out),
            Err((2, "not a number"))
        );
        out.clear();
        assert_eq!(
            parse_plain_record(b"1, 2 ,1e23", b',', Domain::FINITE, &mut out),
            Ok(3)
        );
        assert_eq!(out, [1.0, 2.0, 1e23]);
        out.clear();
        assert_eq!(
            parse_plain_record(b"1,", b',', Domain::FINITE, &mut out),
            Err((1, "empty cell"))
        );
        assert_eq!(
            parse_plain_record(b"0,2", b',', Domain::UNIT_INTERVAL, &mut out),
            Err((1, "target outside [0, 1]"))
        );
        assert_eq!(
            parse_plain_record(b"nan", b',', Domain::FINITE, &mut out),
            Err((0, "not a finite number"))
        );
        out.clear();
        assert_eq!(
            parse_plain_record(b"0,1,1,0", b',', Domain::UNIT_INTERVAL, &mut out),
            Ok(4)
        );
        assert_eq!(out, [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(
            parse_plain_record(b"0,1,2,0", b',', Domain::UNIT_INTERVAL, &mut out),
            Err((2, "target outside [0, 1]"))
        );
        assert_eq!(
            parse_plain_record(b"1,0x10", b',', Domain::FINITE, &mut out),
            Err((1, "not a number"))
        );
    }

    #[test]
    fn nonfinite_values_pass_only_when_allowed() {
        let logits = Domain::FINITE.with_nonfinite(true);
        let mut out = Vec::new();
        assert_eq!(
            parse_plain_record(b"1,nan,-inf", b',', logits, &mut out),
            Ok(3)
        );
        assert!(out[1].is_nan() && out[2] == f64::NEG_INFINITY);
    }
}
