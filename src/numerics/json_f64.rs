//! Numbers that may be NaN or infinite, in JSON (which has neither): a
//! finite value is a JSON number, the others the strings `"nan"`, `"inf"`
//! and `"-inf"`. For `#[serde(with = "…")]` on the parameters a partial
//! state carries (weights and `--ignore-value` may be NaN).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One value as JSON can hold it.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Number {
    Finite(f64),
    Special(String),
}

impl Number {
    fn from_f64(value: f64) -> Number {
        if value.is_finite() {
            Number::Finite(value)
        } else if value.is_nan() {
            Number::Special("nan".into())
        } else if value > 0.0 {
            Number::Special("inf".into())
        } else {
            Number::Special("-inf".into())
        }
    }

    fn to_f64<E: serde::de::Error>(&self) -> Result<f64, E> {
        match self {
            Number::Finite(value) => Ok(*value),
            Number::Special(text) => match text.as_str() {
                "nan" => Ok(f64::NAN),
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                other => Err(E::custom(format!(
                    "{other:?} is not a number (nor \"nan\", \"inf\" or \"-inf\")"
                ))),
            },
        }
    }
}

/// `f64`.
pub mod value {
    use super::*;

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        Number::from_f64(*value).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Number::deserialize(d)?.to_f64()
    }
}

/// `Option<f64>`.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        value.map(Number::from_f64).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<Number>::deserialize(d)?
            .map(|n| n.to_f64())
            .transpose()
    }
}

/// `Option<Vec<f64>>`.
pub mod option_vec {
    use super::*;

    pub fn serialize<S: Serializer>(values: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        values
            .as_ref()
            .map(|v| v.iter().map(|&x| Number::from_f64(x)).collect::<Vec<_>>())
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        Option::<Vec<Number>>::deserialize(d)?
            .map(|v| v.iter().map(Number::to_f64).collect())
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Both {
        #[serde(with = "super::value")]
        one: f64,
        #[serde(with = "super::option_vec")]
        many: Option<Vec<f64>>,
    }

    #[test]
    fn every_value_round_trips() {
        let values = vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.1,
            5e-324,
        ];
        for &one in &values {
            let json = serde_json::to_string(&Both {
                one,
                many: Some(values.clone()),
            })
            .unwrap();
            let back: Both = serde_json::from_str(&json).unwrap();
            assert_eq!(back.one.to_bits(), one.to_bits(), "{json}");
            let many = back.many.unwrap();
            assert!(
                many.iter()
                    .zip(&values)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{json}"
            );
        }
        let json = r#"{"one":"nan","many":null}"#;
        assert!(serde_json::from_str::<Both>(json).unwrap().many.is_none());
        assert!(serde_json::from_str::<Both>(r#"{"one":"x","many":null}"#).is_err());
    }
}
