//! One module per command: each takes settings, does the job and returns a typed report for a
//! renderer. Nothing here prints or reads the clock.

pub mod check;
pub mod fleet;
pub mod setup;
