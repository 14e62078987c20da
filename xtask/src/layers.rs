//! The library's layers, checked: every top-level module of `src/` has a layer, and may use
//! only modules of lower layers, so no two modules can import each other, directly or round a
//! cycle. ARCHITECTURE.md explains the layers; this table is the rule it describes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module and its layer, leaves first.
pub const LAYERS: &[(&str, u8)] = &[
    ("diag", 0),
    ("xml", 0),
    ("shape", 0),
    ("looks", 0),
    ("entra", 0),
    ("aws", 0),
    ("cert", 1),
    ("http", 1),
    ("dsig", 1),
    ("input", 2),
    ("identity_center", 2),
    ("capture", 2),
    ("graph", 2),
    ("xenc", 2),
    ("metadata", 3),
    ("claims", 3),
    ("response", 4),
    ("write", 5),
    ("commands", 6),
    ("render", 7),
];

/// One use of a module from a module that may not use it.
#[derive(Debug, PartialEq, Eq)]
pub struct Violation {
    pub from: String,
    pub to: String,
    pub file: PathBuf,
}

/// The top-level modules `lib.rs` declares.
fn declared(src: &Path) -> Result<Vec<String>, String> {
    let lib = fs::read_to_string(src.join("lib.rs")).map_err(|e| format!("src/lib.rs: {e}"))?;
    Ok(lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .filter_map(|l| l.strip_suffix(';'))
        .map(str::to_owned)
        .collect())
}

/// Every Rust file of a module: `src/<m>.rs` or everything under `src/<m>/`.
fn files(src: &Path, module: &str) -> Vec<PathBuf> {
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        return vec![file];
    }
    let mut out = Vec::new();
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The top-level modules a piece of source names through `crate::`, including inside a
/// grouped `use crate::{a::x, b}`.
pub fn used(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for part in split_top_level(&group[..end]) {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn matching_brace(s: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    s.len()
}

fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Checks `src/`: every declared module has a layer, every layer's module exists, and every
/// use points to a lower layer.
pub fn check(src: &Path) -> Result<Vec<Violation>, String> {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let modules = declared(src)?;
    for m in &modules {
        if !layers.contains_key(m.as_str()) {
            return Err(format!(
                "src/lib.rs declares `{m}`, which has no layer: add it to xtask/src/layers.rs and ARCHITECTURE.md"
            ));
        }
    }
    for (m, _) in LAYERS {
        if !modules.iter().any(|d| d == m) {
            return Err(format!(
                "xtask/src/layers.rs lists `{m}`, which src/lib.rs does not declare"
            ));
        }
    }
    let mut violations = Vec::new();
    for from in &modules {
        let level = layers[from.as_str()];
        for file in files(src, from) {
            let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            for to in used(&text) {
                let allowed = to == *from || layers.get(to.as_str()).is_some_and(|&l| l < level);
                if !allowed && layers.contains_key(to.as_str()) {
                    violations.push(Violation {
                        from: from.clone(),
                        to,
                        file: file.clone(),
                    });
                }
            }
        }
    }
    Ok(violations)
}

/// `cargo xtask layers`.
pub fn run(root: &Path) -> Result<(), String> {
    let violations = check(&root.join("src"))?;
    if violations.is_empty() {
        println!("xtask: every module uses only lower layers");
        return Ok(());
    }
    for v in &violations {
        eprintln!(
            "{}: `{}` uses `{}`, which is not in a lower layer",
            v.file.display(),
            v.from,
            v.to
        );
    }
    Err(format!("{} uses break the layers", violations.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_are_found_in_paths_and_groups() {
        let text = "use crate::diag::{Code, Finding};\nuse crate::{aws::Target, cert::{self, X}, xml};\nfn f() { crate::shape::uri(); }";
        assert_eq!(used(text), ["aws", "cert", "diag", "shape", "xml"]);
    }

    #[test]
    fn the_library_keeps_its_layers() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
        let violations = check(&src).unwrap();
        assert!(violations.is_empty(), "{violations:#?}");
    }

    #[test]
    fn a_use_of_a_higher_layer_is_caught() {
        let dir = std::env::temp_dir().join(format!("xtask-layers-{}", std::process::id()));
        let src = dir.join("src");
        fs::create_dir_all(&src).unwrap();
        let lib: String = LAYERS
            .iter()
            .map(|(m, _)| format!("pub mod {m};\n"))
            .collect();
        fs::write(src.join("lib.rs"), lib).unwrap();
        for (m, _) in LAYERS {
            fs::write(src.join(format!("{m}.rs")), "").unwrap();
        }
        fs::write(
            src.join("claims.rs"),
            "use crate::write::x;\nuse crate::diag::y;\n",
        )
        .unwrap();
        let violations = check(&src).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            violations,
            [Violation {
                from: "claims".into(),
                to: "write".into(),
                file: src.join("claims.rs"),
            }]
        );
    }
}
