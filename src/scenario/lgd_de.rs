//! Deserialisation of the two forms of `lgd`: a number or a `{ mean, sd }` table.
//!
//! Written by hand instead of `#[serde(untagged)]` so that a wrong value gets a message
//! that says what is accepted, not "did not match any variant".

use super::raw::{RawBeta, RawLgd};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

impl<'de> Deserialize<'de> for RawLgd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LgdVisitor;
        impl<'de> Visitor<'de> for LgdVisitor {
            type Value = RawLgd;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number such as 0.7 or a table such as { mean = 0.7, sd = 0.2 }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawLgd, E> {
                Ok(RawLgd::Fixed(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawLgd, E> {
                Ok(RawLgd::Fixed(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawLgd, E> {
                Ok(RawLgd::Fixed(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawLgd, A::Error> {
                RawBeta::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawLgd::Beta)
            }
        }
        deserializer.deserialize_any(LgdVisitor)
    }
}
