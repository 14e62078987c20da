//! Integration tests: they run the real `samlbridge` binary.

mod aws;
mod aws_outputs;
mod aws_tooling;
mod check;
mod corpus;
mod corpus_responses;
mod engines;
mod explain;
mod fetch;
mod fleet;
mod injection;
mod limits;
mod outdir;
mod terminal;
mod util;
mod validate;
