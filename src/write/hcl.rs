//! Quoting for the configuration languages the writers produce.

/// A Terraform (HCL) string literal: quotes, backslashes and control characters escaped, and
/// template sequences (`${`, `%{`) doubled so they stay literal.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if next == Some('{') => out.push_str("$$"),
            '%' if next == Some('{') => out.push_str("%%"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Pretty JSON with a trailing newline.
pub fn json_pretty(value: &serde_json::Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_escapes_templates_and_quotes() {
        assert_eq!(
            hcl_string("${path:enterprise.department}"),
            r#""$${path:enterprise.department}""#
        );
        assert_eq!(hcl_string("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(hcl_string("100%{x} $5"), r#""100%%{x} $5""#);
    }
}
