//! Output: human (coloured through ANSI styles that the binary's stream strips when it must,
//! with untrusted text escaped: see [`escape`]), JSON (one document per run) and SARIF.
//! Renderers build text from reports; they decide nothing.

pub mod escape;
pub mod human;
pub mod json;
pub mod sarif;

/// The output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}
