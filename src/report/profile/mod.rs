//! The profile document ([`crate::report::model`]) in every format:
//! [`json`], [`markdown`] and [`svg`] (timeline and growth charts).

pub mod commands;
pub mod json;
pub mod markdown;
pub mod svg;
