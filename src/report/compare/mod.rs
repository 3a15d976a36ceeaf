//! The `compare` document: its [`model`], rendered as [`markdown`] and
//! [`json`].

pub mod json;
pub mod markdown;
pub mod model;

pub use model::{
    CompareReport, Expected, Row, RowKind, RowStatus, Target, Timing, FLOOR_ABOUT, SCHEMA,
    SCHEMA_VERSION,
};
