//! The gate's document: its [`model`] (what [`crate::gate`] returns),
//! rendered for a [`terminal`] or as [`json`].

pub mod json;
pub mod model;
pub mod terminal;
pub mod text;

pub use model::{GateReport, Reason, Warning};
