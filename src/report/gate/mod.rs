//! The gate's document: its [`model`] (what [`crate::gate`] returns),
//! rendered for a [`terminal`].

pub mod model;
pub mod terminal;
