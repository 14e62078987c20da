//! `cargo xtask readme`: run the README's build, install and fuzzing commands as a user would
//! type them, so that one that stops working fails CI.
//!
//! The README's `sh` blocks are of two kinds. Blocks of `samlbridge` commands (with the `az`,
//! `aws`, `export` and `mkdir` lines around them) are run by the test `tests/cli/readme.rs`, on
//! the shipped test data against the Graph stand-in and moto. Blocks that build or install
//! (any line starting with one of [`BUILD_COMMANDS`]) need cargo and root, so they run here, from
//! `.ci/run`, each block as one bash script from the repository's root. The test checks that
//! every block is one kind or the other.

use std::fs;
use std::path::Path;
use std::process::Command;

/// First words that make a README block a build block (keep in step with `tests/cli/readme.rs`).
pub const BUILD_COMMANDS: &[&str] = &[
    "cargo",
    "sudo",
    "man",
    "cd",
    "tar",
    "dpkg",
    "RUSTC_BOOTSTRAP=1",
];

/// How long each fuzzing command of the README runs here, in seconds: enough to build the
/// target and execute its seeds, not the README's ten minutes.
const FUZZ_SECONDS: u32 = 15;

pub fn run(root: &Path) -> Result<(), String> {
    let readme = fs::read_to_string(root.join("README.md"))
        .map_err(|e| format!("cannot read README.md: {e}"))?;
    let logs = root.join("target").join("readme");
    fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    let ci = fs::read_to_string(root.join(".ci").join("run")).unwrap_or_default();
    let mut ran = 0;
    for block in shell_blocks(&readme).into_iter().filter(Block::is_build) {
        let mut script = String::from("set -euxo pipefail\n");
        for command in &block.commands {
            if command == "cargo xtask test" {
                // The README's test command is .ci/run's own first step; running it again here
                // would only double the run.
                if !ci.lines().any(|l| l.trim() == command) {
                    return Err("README.md's `cargo xtask test` is not run by .ci/run".into());
                }
                eprintln!(
                    "xtask: README.md:{}: `{command}` is run by .ci/run itself",
                    block.line
                );
                continue;
            }
            script.push_str(&adapt(command, root));
            script.push('\n');
        }
        let log = logs.join(format!("README-line-{}.log", block.line));
        eprintln!(
            "xtask: README.md:{}: running its block (output in {})",
            block.line,
            log.display()
        );
        let file =
            fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = file.try_clone().map_err(|e| e.to_string())?;
        let status = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(root)
            .stdout(file)
            .stderr(err)
            .status()
            .map_err(|e| format!("cannot start bash: {e}"))?;
        if !status.success() {
            let text = fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "the block at README.md:{} failed ({status}); the end of {}:\n{}",
                block.line,
                log.display(),
                tail.join("\n")
            ));
        }
        ran += 1;
    }
    if ran == 0 {
        return Err("README.md has no build block: the extraction is broken".into());
    }
    eprintln!("xtask: ran {ran} README blocks");
    Ok(())
}

/// What changes between the README and this run: `sudo` is dropped when already root (CI
/// machines have no sudo), `cargo install` reuses the release build `cargo xtask dist` made
/// (rather than compiling everything again in a temporary directory), and fuzzing stops after
/// [`FUZZ_SECONDS`] (libFuzzer takes the last `-max_total_time` given).
fn adapt(command: &str, root: &Path) -> String {
    let mut command = command.to_owned();
    if command.starts_with("cargo install --path") {
        let target = root.join("target");
        command = format!("CARGO_TARGET_DIR='{}' {command}", target.display());
    }
    if is_root() {
        if let Some(rest) = command.strip_prefix("sudo ") {
            command = rest.to_owned();
        }
    }
    if command.contains("cargo fuzz run") {
        command.push_str(&format!(" -max_total_time={FUZZ_SECONDS}"));
    }
    command
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

pub struct Block {
    /// The README line of the opening fence.
    pub line: usize,
    /// Each command with its `\` continuations joined and its `#` comment removed.
    pub commands: Vec<String>,
}

impl Block {
    fn is_build(&self) -> bool {
        self.commands.iter().any(|c| {
            let first = c.split_whitespace().next().unwrap_or("");
            BUILD_COMMANDS.contains(&first)
        })
    }
}

/// The fenced blocks whose info string is `sh`, indented or not (a block inside a list item).
pub fn shell_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, usize, Vec<String>, bool)> = None;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_start();
        let indent = raw.len() - trimmed.len();
        if let Some(info) = trimmed.strip_prefix("```") {
            match open.take() {
                Some((line, _, lines, true)) => blocks.push(Block {
                    line,
                    commands: commands(&lines),
                }),
                Some(_) => {}
                None => open = Some((index + 1, indent, Vec::new(), info.trim() == "sh")),
            }
            continue;
        }
        if let Some((_, indent, lines, _)) = open.as_mut() {
            let cut = raw.len().min(*indent);
            lines.push(raw[cut..].to_owned());
        }
    }
    blocks
}

fn commands(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in lines {
        let line = strip_comment(line);
        let line = line.trim_end();
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head.trim_end());
            current.push(' ');
            continue;
        }
        current.push_str(line.trim_start());
        let command = current.trim().to_owned();
        current.clear();
        if !command.is_empty() {
            out.push(command);
        }
    }
    out
}

/// A line without its trailing `# comment` (a `#` that starts a word outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return &line[..i],
            _ => {}
        }
        previous = c;
    }
    line
}
