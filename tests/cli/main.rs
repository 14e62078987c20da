//! Integration tests: they run the real `samlbridge` binary.

mod advice;
mod aws;
mod aws_outputs;
mod aws_tooling;
mod capture_time;
mod check;
mod conventions;
mod corpus;
mod corpus_responses;
mod engines;
mod explain;
mod fetch;
mod first_use;
mod fleet;
mod hardening;
mod injection;
mod judged;
mod limits;
mod outdir;
mod signature_structure;
mod terminal;
mod transport;
mod unverified;
mod util;
mod validate;
mod wrong_input;
