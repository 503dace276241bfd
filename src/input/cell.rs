//! One cell of text as a number, as every text format reads it: spaces
//! around it allowed, bools where the domain takes them.

use crate::domain::Domain;

/// Parses one CSV/TSV cell as a number. Spaces around it are allowed.
pub(crate) fn parse_cell(cell: &[u8], domain: Domain) -> Result<f64, &'static str> {
    let trimmed = cell.trim_ascii();
    if trimmed.is_empty() {
        return Err("empty cell");
    }
    match fast_float2::parse::<f64, _>(trimmed) {
        Ok(value) => domain.check(value).map_or(Ok(value), Err),
        Err(_) if domain.takes_bools() && as_bool(trimmed).is_some() => {
            Ok(f64::from(u8::from(as_bool(trimmed) == Some(true))))
        }
        Err(_) if std::str::from_utf8(cell).is_err() => Err("invalid UTF-8"),
        Err(_) => Err("not a number"),
    }
}

/// `True`/`False` as pandas writes bools (and `true`, `TRUE`, …).
pub(crate) fn as_bool(text: &[u8]) -> Option<bool> {
    match text {
        b"True" | b"true" | b"TRUE" => Some(true),
        b"False" | b"false" | b"FALSE" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_cell_rules() {
        assert_eq!(parse_cell(b" 1.5 ", Domain::FINITE), Ok(1.5));
        assert_eq!(parse_cell(b"", Domain::FINITE), Err("empty cell"));
        assert_eq!(parse_cell(b"x", Domain::FINITE), Err("not a number"));
        assert_eq!(
            parse_cell(b"nan", Domain::FINITE),
            Err("not a finite number")
        );
        assert_eq!(
            parse_cell(b"1e400", Domain::FINITE),
            Err("not a finite number")
        );
        assert_eq!(
            parse_cell(b"1.5", Domain::UNIT_INTERVAL),
            Err("target outside [0, 1]")
        );
        assert_eq!(parse_cell(b"\xff", Domain::FINITE), Err("invalid UTF-8"));
    }

    #[test]
    fn nonfinite_values_pass_only_when_allowed() {
        let logits = Domain::FINITE.with_nonfinite(true);
        let targets = Domain::UNIT_INTERVAL.with_nonfinite(true);
        assert!(parse_cell(b"nan", logits).unwrap().is_nan());
        assert_eq!(parse_cell(b"-Infinity", logits), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_cell(b"1e400", logits), Ok(f64::INFINITY));
        assert_eq!(parse_cell(b"inf", targets), Ok(f64::INFINITY));
        // Finite targets must still lie in [0, 1].
        assert_eq!(parse_cell(b"2", targets), Err("target outside [0, 1]"));
    }
}
