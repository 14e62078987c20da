//! The TOML claim-mapping file, mirroring Entra's "Attributes & Claims" page:
//!
//! ```toml
//! [name_id]
//! source = "user.userprincipalname"
//! format = "emailAddress"
//!
//! [[claims]]
//! name = "AccessControl:Department"
//! namespace = "https://aws.amazon.com/SAML/Attributes"
//! source = "user.department"
//! ```

use super::{
    is_multi_valued_source, Claim, ClaimMapping, ClaimSource, ClaimsError, NameIdClaim,
    NameIdFormat,
};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name_id: Option<Spanned<NameIdEntry>>,
    #[serde(default)]
    claims: Vec<Spanned<ClaimEntry>>,
    #[serde(default)]
    token_encryption: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameIdEntry {
    source: Option<Spanned<String>>,
    format: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimEntry {
    name: Spanned<String>,
    namespace: Option<Spanned<String>>,
    source: Option<Spanned<String>>,
    value: Option<Spanned<String>>,
    transformation: Option<Spanned<String>>,
    multi_valued: Option<bool>,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    crate::xml::line_column(text.as_bytes(), offset)
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err<T>(
        &self,
        span: std::ops::Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> Result<T, ClaimsError> {
        let (line, column) = line_col(self.text, span.start);
        Err(ClaimsError {
            file: self.file.into(),
            location: format!("line {line}, column {column} (field `{field}`)"),
            message: message.into(),
        })
    }
}

/// `user.department`, `user.extension_<app>_<name>`, …: a dotted attribute path.
fn valid_attribute(s: &str) -> bool {
    let mut parts = s.split('.');
    let (Some(object), Some(_)) = (parts.next(), parts.next()) else {
        return false;
    };
    !object.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// Parses the TOML form.
pub fn parse_toml(file: &str, text: &str) -> Result<ClaimMapping, ClaimsError> {
    let parsed = read(file, text)?;
    let ctx = Ctx { file, text };
    let name_id = parsed.name_id.map(|e| ctx.name_id(e)).transpose()?;
    let claims = parsed
        .claims
        .into_iter()
        .map(|e| ctx.claim(e))
        .collect::<Result<_, _>>()?;
    Ok(ClaimMapping {
        name_id,
        claims,
        token_encryption: parsed.token_encryption,
        jwt_only: Vec::new(),
    })
}

/// The file as TOML of the expected layout; a syntax error or an unknown field is reported
/// where TOML found it.
fn read(file: &str, text: &str) -> Result<File, ClaimsError> {
    toml::from_str(text).map_err(|e| {
        let location = match e.span() {
            Some(span) => {
                let (line, column) = line_col(text, span.start);
                format!("line {line}, column {column}")
            }
            None => "the file".into(),
        };
        ClaimsError {
            file: file.into(),
            location,
            message: e.message().trim().to_owned(),
        }
    })
}

impl Ctx<'_> {
    /// `[name_id]`: an attribute source, and a format that defaults to Entra's default.
    fn name_id(&self, entry: Spanned<NameIdEntry>) -> Result<NameIdClaim, ClaimsError> {
        let span = entry.span();
        let entry = entry.into_inner();
        let Some(source) = entry.source else {
            return self.err(
                span,
                "source",
                "[name_id] needs a source attribute, e.g. source = \"user.userprincipalname\"",
            );
        };
        if !valid_attribute(source.get_ref()) {
            return self.err(
                source.span(),
                "source",
                format!(
                    "{:?} is not an attribute such as user.userprincipalname",
                    source.get_ref()
                ),
            );
        }
        let format = match entry.format {
            None => NameIdFormat::Default,
            Some(f) => match NameIdFormat::parse(f.get_ref()) {
                Some(format) => format,
                None => {
                    return self.err(
                        f.span(),
                        "format",
                        format!(
                            "{:?} is not a Name identifier format; use emailAddress, persistent, unspecified, transient, windowsDomainQualifiedName or default",
                            f.get_ref()
                        ),
                    )
                }
            },
        };
        Ok(NameIdClaim {
            source: ClaimSource::Attribute(source.into_inner()),
            format,
        })
    }

    /// One `[[claims]]` entry: a name, an optional namespace, and exactly one source.
    fn claim(&self, entry: Spanned<ClaimEntry>) -> Result<Claim, ClaimsError> {
        let span = entry.span();
        let entry = entry.into_inner();
        let (line, _) = line_col(self.text, span.start);
        let name = entry.name.get_ref().trim().to_owned();
        if name.is_empty() {
            return self.err(entry.name.span(), "name", "the claim name is empty");
        }
        let source =
            self.claim_source(&name, span, entry.source, entry.value, entry.transformation)?;
        let multi_valued = entry.multi_valued.unwrap_or(match &source {
            ClaimSource::Attribute(a) => is_multi_valued_source(a),
            _ => false,
        });
        Ok(Claim {
            name,
            namespace: entry
                .namespace
                .map(|n| n.into_inner().trim().trim_end_matches('/').to_owned())
                .filter(|n| !n.is_empty()),
            source,
            multi_valued,
            location: format!("line {line}"),
        })
    }

    /// Where the claim's value comes from: `source` (an attribute), `value` (a constant) or
    /// `transformation`, exactly one of them, as on Entra's page.
    fn claim_source(
        &self,
        name: &str,
        span: std::ops::Range<usize>,
        source: Option<Spanned<String>>,
        value: Option<Spanned<String>>,
        transformation: Option<Spanned<String>>,
    ) -> Result<ClaimSource, ClaimsError> {
        match (source, value, transformation) {
            (Some(s), None, None) => {
                if !valid_attribute(s.get_ref()) {
                    return self.err(
                        s.span(),
                        "source",
                        format!(
                            "{:?} is not an attribute such as user.department",
                            s.get_ref()
                        ),
                    );
                }
                Ok(ClaimSource::Attribute(s.into_inner()))
            }
            (None, Some(v), None) => Ok(ClaimSource::Constant(v.into_inner())),
            (None, None, Some(t)) => Ok(ClaimSource::Transformation(t.into_inner())),
            _ => self.err(span, "source", format!("claim {name:?} needs exactly one of source (an attribute), value (a constant) or transformation")),
        }
    }
}
