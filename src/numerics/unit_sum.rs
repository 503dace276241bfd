//! [`UnitSum`]: the exact sum of values that are nearly all probabilities
//! (or squared errors of probabilities), in a 128-bit fixed-point integer.
//!
//! [`ExactSum`] covers every f64 with 70 digits (560 bytes): exact, but a
//! calibration metric keeps one per bin and per class (50 classes × 16 bins
//! is 450 KB a thread, past the L2 cache) and adds one element each time.
//! A value in [2^-35, 1] is a multiple of 2^-87 below 2^87 units, so a
//! `u128` counted in 2^-87 adds 2^41 of them before it could overflow, with
//! one shift and one addition; a zero is skipped, and anything else (tiny,
//! negative, above 1, not finite) and, on the rare overflow, the fixed part
//! itself go to an [`ExactSum`] made when first needed. The total is the same exact sum,
//! rounded once, so results stay bit-identical whatever the order.

use super::{ExactSum, Terms};

/// The fixed part's unit is 2^-UNIT_BITS.
const UNIT_BITS: i32 = 87;
/// The smallest value the fixed part takes: its lowest significand bit is
/// 2^(-35 - 52) = 2^-87, one unit.
const SMALLEST: f64 = 1.0 / (1u64 << 35) as f64;

#[derive(Clone, Debug, Default)]
pub struct UnitSum {
    /// The values in [2^-35, 1], in units of 2^-87.
    fixed: u128,
    /// Every other value, and the fixed part when adding would overflow it.
    rest: Option<Box<ExactSum>>,
}

impl UnitSum {
    #[inline(always)]
    pub fn add(&mut self, value: f64) {
        // Also false for NaN.
        if (SMALLEST..=1.0).contains(&value) {
            let bits = value.to_bits();
            // value = significand × 2^(exponent - 52), exponent in [-35, 0].
            let exponent = ((bits >> 52) as i32) - 1023;
            let significand = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
            let units = u128::from(significand) << (exponent + UNIT_BITS - 52);
            self.add_units(units);
        } else {
            self.add_to_rest(value);
        }
    }

    #[cold]
    #[inline(never)]
    fn add_to_rest(&mut self, value: f64) {
        // A zero changes no exact sum (an empty one is +0 too): not worth
        // an ExactSum's 560 bytes, and common (a probability of 0, a
        // squared error of a perfect prediction).
        if value != 0.0 {
            self.rest().add(value);
        }
    }

    #[inline(always)]
    fn add_units(&mut self, units: u128) {
        match self.fixed.checked_add(units) {
            Some(total) => self.fixed = total,
            None => self.overflow(units),
        }
    }

    #[cold]
    #[inline(never)]
    fn overflow(&mut self, units: u128) {
        self.flush();
        self.fixed = units;
    }

    fn rest(&mut self) -> &mut ExactSum {
        self.rest.get_or_insert_with(Default::default)
    }

    /// Moves the fixed part into the exact sum.
    fn flush(&mut self) {
        let fixed = std::mem::take(&mut self.fixed);
        add_fixed(self.rest(), fixed);
    }

    pub fn merge(&mut self, other: &UnitSum) {
        self.add_units(other.fixed);
        if let Some(rest) = &other.rest {
            self.rest().merge(rest);
        }
    }

    /// The whole sum as an [`ExactSum`].
    pub fn to_exact(&self) -> ExactSum {
        let mut exact = self.rest.as_deref().cloned().unwrap_or_default();
        add_fixed(&mut exact, self.fixed);
        exact
    }

    /// The exact sum rounded to the nearest f64.
    pub fn value(&self) -> f64 {
        match &self.rest {
            None if self.fixed >> 53 == 0 => fixed_digit(self.fixed as u64, 0),
            _ => self.to_exact().value(),
        }
    }

    pub fn to_terms(&self) -> Terms {
        self.to_exact().to_terms()
    }

    pub fn from_terms(terms: &Terms) -> UnitSum {
        UnitSum {
            fixed: 0,
            rest: Some(Box::new(ExactSum::from_terms(terms))),
        }
    }
}

/// In states, as its exact [`Terms`] (the same JSON as an [`ExactSum`]'s).
impl serde::Serialize for UnitSum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_terms().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for UnitSum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<UnitSum, D::Error> {
        Ok(UnitSum::from_terms(&Terms::deserialize(d)?))
    }
}

/// Equal when the exact sums are (however the parts hold them).
impl PartialEq for UnitSum {
    fn eq(&self, other: &UnitSum) -> bool {
        self.to_terms() == other.to_terms()
    }
}

/// Adds `fixed` units of 2^-87 to `exact`, as four exact 32-bit digits.
fn add_fixed(exact: &mut ExactSum, fixed: u128) {
    for digit in 0..4 {
        let value = (fixed >> (32 * digit)) as u32;
        if value != 0 {
            exact.add(fixed_digit(u64::from(value), digit));
        }
    }
}

/// `value` × 2^(32·digit − 87), exact for `value` < 2^53.
fn fixed_digit(value: u64, digit: i32) -> f64 {
    let power = f64::from_bits(((1023 + 32 * digit - UNIT_BITS) as u64) << 52);
    value as f64 * power
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(values: &[f64]) -> (f64, f64) {
        let mut unit = UnitSum::default();
        let mut exact = ExactSum::default();
        for &v in values {
            unit.add(v);
            exact.add(v);
        }
        (unit.value(), exact.value())
    }

    #[test]
    fn equals_the_exact_sum_inside_and_outside_the_unit_interval() {
        let cases: [&[f64]; 7] = [
            &[],
            &[0.1; 10],
            &[1.0, 1.0, 0.5, SMALLEST, SMALLEST / 2.0],
            &[0.0, -0.0, 5e-324, 1e-300, 0.3],
            &[0.7, -0.2, 3.5, 1e300, -1e300],
            &[f64::INFINITY, 0.5],
            &[f64::NAN, 0.5],
        ];
        for values in cases {
            let (unit, exact) = both(values);
            assert!(
                unit == exact || (unit.is_nan() && exact.is_nan()),
                "{values:?}"
            );
        }
        let spread: Vec<f64> = (0..10_000)
            .map(|i| (i as f64 * 0.618_033_988_7).fract())
            .collect();
        let (unit, exact) = both(&spread);
        assert_eq!(unit, exact);
    }

    #[test]
    fn zeros_need_no_exact_sum() {
        let mut unit = UnitSum::default();
        unit.add(0.0);
        unit.add(-0.0);
        unit.add(0.5);
        assert!(unit.rest.is_none());
        assert_eq!(unit.value(), 0.5);
    }

    #[test]
    fn overflow_moves_the_fixed_part_to_the_exact_sum() {
        let mut unit = UnitSum {
            fixed: u128::MAX - 3,
            rest: None,
        };
        let start = unit.to_exact();
        unit.add(1.0);
        let mut expected = start;
        expected.add(1.0);
        assert_eq!(unit.value(), expected.value());
        assert!(unit.rest.is_some());
    }

    #[test]
    fn merges_and_round_trips_through_terms() {
        let mut a = UnitSum::default();
        let mut b = UnitSum::default();
        for i in 0..1000 {
            a.add(i as f64 / 1000.0);
            b.add(1e-20 * i as f64);
        }
        let read = UnitSum::from_terms(&a.to_terms());
        assert_eq!(read, a);
        a.merge(&b);
        let mut exact = ExactSum::default();
        (0..1000).for_each(|i| exact.add(i as f64 / 1000.0));
        (0..1000).for_each(|i| exact.add(1e-20 * i as f64));
        assert_eq!(a.value(), exact.value());
    }
}
