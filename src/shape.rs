//! The documented shapes of the values samlbridge copies from its inputs into what it writes:
//! URLs, URIs, Entra attribute names, claim names, AWS regions. A value that does not fit is
//! never written into instructions or commands.

use std::fmt;

/// Why a value does not have its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeError {
    /// A character no value of this kind may hold (control, format, separator, or outside the
    /// kind's set), at a character position.
    Character {
        character: char,
        position: usize,
    },
    Empty,
    TooLong {
        limit: usize,
    },
    /// A URL that is not `https://`.
    NotHttps,
    /// `https://user@host`: the part before `@` is not the host.
    UserInfo,
    /// Not an absolute URI (no scheme) or not a URL with a host.
    NotAbsolute,
    /// Not of the pattern the kind documents.
    Pattern(&'static str),
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapeError::Character {
                character,
                position,
            } => write!(
                f,
                "character U+{:04X} at position {} is not allowed",
                u32::from(*character),
                position + 1
            ),
            ShapeError::Empty => f.write_str("it is empty"),
            ShapeError::TooLong { limit } => write!(f, "it is longer than {limit} characters"),
            ShapeError::NotHttps => f.write_str("it is not an https:// URL"),
            ShapeError::UserInfo => {
                f.write_str("it has a user name before '@', so the host is not what it seems to be")
            }
            ShapeError::NotAbsolute => f.write_str("it is not an absolute URL with a host"),
            ShapeError::Pattern(p) => write!(f, "it is not of the form {p}"),
        }
    }
}

/// Characters RFC 3986 allows in a URI (unreserved, reserved and `%`).
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

fn first_bad(s: &str, ok: impl Fn(char) -> bool) -> Result<(), ShapeError> {
    match s.chars().enumerate().find(|&(_, c)| !ok(c)) {
        Some((position, character)) => Err(ShapeError::Character {
            character,
            position,
        }),
        None => Ok(()),
    }
}

/// An absolute URI written with RFC 3986's characters only (an entityID, a namespace).
pub fn uri(s: &str) -> Result<(), ShapeError> {
    if s.is_empty() {
        return Err(ShapeError::Empty);
    }
    first_bad(s, is_uri_char)?;
    let scheme = s.split(':').next().unwrap_or_default();
    let scheme_ok = s.contains(':')
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if scheme_ok {
        Ok(())
    } else {
        Err(ShapeError::NotAbsolute)
    }
}

/// An `https://` URL with a host and no user name, in RFC 3986's characters only: what every
/// endpoint samlbridge writes must be. The raw text is checked, not only what a URL parser
/// makes of it (parsers drop tabs and line breaks).
pub fn https_url(s: &str) -> Result<url::Url, ShapeError> {
    uri(s)?;
    if !s
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
    {
        return Err(ShapeError::NotHttps);
    }
    let authority = s[8..].split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(ShapeError::UserInfo);
    }
    let url = url::Url::parse(s).map_err(|_| ShapeError::NotAbsolute)?;
    if url.scheme() != "https" {
        return Err(ShapeError::NotHttps);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ShapeError::NotAbsolute);
    }
    Ok(url)
}

/// Characters that change how text looks or where it goes without being seen: controls,
/// format characters (zero-width, bidirectional overrides) and line or paragraph separators.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

/// A name or value for display: any text without invisible characters.
pub fn visible_text(s: &str) -> Result<(), ShapeError> {
    if s.is_empty() {
        return Err(ShapeError::Empty);
    }
    first_bad(s, |c| !is_invisible(c))
}

/// An Entra directory attribute as a claim source: `user.department`,
/// `user.extension_<app>_<name>`: a source object and an attribute id of letters, digits and
/// `_` (Microsoft Graph's `sourcedAttribute` `source` and `id`).
pub fn attribute_source(s: &str) -> Result<(), ShapeError> {
    const FORM: &str = "source.attribute (e.g. user.department), in letters, digits and _";
    first_bad(s, |c| c.is_ascii_alphanumeric() || c == '_' || c == '.')?;
    match s.split_once('.') {
        Some((source, id))
            if !source.is_empty()
                && source.chars().all(|c| c.is_ascii_alphabetic())
                && !id.is_empty()
                && !id.contains('.') =>
        {
            Ok(())
        }
        _ => Err(ShapeError::Pattern(FORM)),
    }
}

/// An AWS region name such as `eu-west-1` or `us-gov-west-1`.
pub fn aws_region(s: &str) -> Result<(), ShapeError> {
    const FORM: &str = "an AWS region such as eu-west-1";
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
        && s.len() <= 32;
    if ok {
        Ok(())
    } else {
        Err(ShapeError::Pattern(FORM))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_as_written() {
        assert!(https_url("https://eu-west-1.signin.aws/platform/saml/acs/x-y?z=1").is_ok());
        for (bad, why) in [
            ("https://a.example/acs\n```sh", "U+000A"),
            ("https://a.example/\tx", "U+0009"),
            ("https://a.example/`x`", "U+0060"),
            ("https://a.example/\"x", "U+0022"),
            ("http://a.example/", "not an https"),
            (
                "https://login.microsoftonline.com@evil.example/x",
                "user name",
            ),
            ("https://", "absolute"),
            ("https://a.example/\u{2028}", "U+2028"),
            ("https://b\u{0441}d.example/", "U+0441"),
        ] {
            let e = https_url(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }

    #[test]
    fn uris_names_sources_regions() {
        assert!(uri("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent").is_ok());
        assert!(uri("https://aws.amazon.com/SAML/Attributes").is_ok());
        assert_eq!(
            uri("no scheme"),
            Err(ShapeError::Character {
                character: ' ',
                position: 2
            })
        );
        assert_eq!(uri("/relative"), Err(ShapeError::NotAbsolute));

        assert!(visible_text("AccessControl:Cost Center").is_ok());
        assert!(visible_text("Département").is_ok());
        for bad in ["a\nb", "a\u{202E}b", "a\u{200B}", "a\u{7F}", "a\u{85}"] {
            assert!(visible_text(bad).is_err(), "{bad:?}");
        }

        for good in [
            "user.department",
            "user.extension_3c7e_costCenter",
            "user.employeeid",
        ] {
            assert!(attribute_source(good).is_ok(), "{good}");
        }
        for bad in [
            "department",
            "user.",
            "user.a.b",
            "user.a`b",
            "user.a b",
            ".x",
        ] {
            assert!(attribute_source(bad).is_err(), "{bad}");
        }

        for good in ["eu-west-1", "us-gov-west-1", "ap-southeast-4", "cn-north-1"] {
            assert!(aws_region(good).is_ok(), "{good}");
        }
        for bad in [
            "eu-west",
            "EU-west-1",
            "eu-west-1 ",
            "eu--1",
            "1-2-3",
            "eu-west-1\n",
        ] {
            assert!(aws_region(bad).is_err(), "{bad:?}");
        }
    }
}
