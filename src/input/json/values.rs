//! JSON numbers and rows of numbers, deserialized straight into f64s
//! (no `Value` in between): what every JSON reader of matrices shares.

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};

use crate::domain::Domain;

/// Deserializes one row `[n, …]`, appending its numbers to `out`.
pub(crate) struct RowSeed<'a> {
    pub(crate) out: &'a mut Vec<f64>,
    pub(crate) domain: Domain,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a row: an array of numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let number = NumberSeed {
            bools: self.domain.takes_bools(),
        };
        while let Some(value) = seq.next_element_seed(number)? {
            if let Some(what) = self.domain.check(value) {
                return Err(de::Error::custom(format!("{what} ({value})")));
            }
            self.out.push(value);
        }
        Ok(())
    }
}

/// Deserializes one JSON number (integer or float) as f64; with `bools`,
/// `true` and `false` as 1 and 0 (targets).
#[derive(Clone, Copy)]
pub(crate) struct NumberSeed {
    pub(crate) bools: bool,
}

impl<'de> DeserializeSeed<'de> for NumberSeed {
    type Value = f64;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<f64, D::Error> {
        if self.bools {
            deserializer.deserialize_any(self)
        } else {
            deserializer.deserialize_f64(self)
        }
    }
}

impl<'de> Visitor<'de> for NumberSeed {
    type Value = f64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<f64, E> {
        if self.bools {
            Ok(f64::from(u8::from(v)))
        } else {
            Err(E::invalid_type(de::Unexpected::Bool(v), &self))
        }
    }
}
