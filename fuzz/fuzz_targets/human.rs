//! The human renderer with arbitrary text in every field that comes from outside samlbridge
//! (names, URLs, subjects, attribute names and values, labels, finding messages, file names,
//! diffs). No control or format character of that text may reach the output: the only line
//! breaks are the renderer's own (as many as with plain text in the same fields), the only
//! escape characters start its own colours, and nothing is left for the binary's last filter
//! (`human::for_terminal`) to do.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use samlbridge::aws::{Target, TargetChoice};
use samlbridge::cert::KeyKind;
use samlbridge::commands::check::{CertStatus, CertSummary, CheckReport, MetadataSummary};
use samlbridge::commands::fleet::{AppReport, AppStatus, FleetReport};
use samlbridge::diag::{Code, Finding, Severity};
use samlbridge::dsig::{DigestAlgorithm, SignatureAlgorithm};
use samlbridge::metadata::{Endpoint, IdpKind, SignatureStatus, SpMetadata};
use samlbridge::render::escape::{escape, Escaped};
use samlbridge::render::human;
use samlbridge::response::{
    Attribute, AttributeValue, Binding, CaptureSource, Claims, Decrypted, InputError,
    InstantSource, JudgedAt, NameId, ResponseEnvelope, ResponseReport, Signer, SigningInfo, Status,
    Validity,
};
use samlbridge::write::outdir::{Change, Plan, PlannedFile};
use std::borrow::Cow;
use std::sync::Arc;

/// The characters no untrusted text may bring to the terminal, listed independently of the
/// renderer's own rule: C0 (line feed and escape are checked apart), DEL, C1, the format
/// characters that hide or reorder text, and the line and paragraph separators.
fn forbidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{9}' | '\u{b}'..='\u{1a}' | '\u{1c}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}')
}

/// Fields cut from the input; `plain` turns every character into `x` (keeping line feeds in
/// multi-line fields), which gives the same report shape with nothing to escape.
struct Fields<'a> {
    parts: Vec<&'a str>,
    next: usize,
    plain: bool,
}

impl Fields<'_> {
    fn raw(&mut self) -> &str {
        let s = self.parts[self.next % self.parts.len()];
        self.next += 1;
        s
    }

    fn text(&mut self) -> String {
        let plain = self.plain;
        let s = self.raw();
        if plain {
            s.chars().map(|_| 'x').collect()
        } else {
            s.to_owned()
        }
    }

    /// A field whose line feeds are meant (a diff).
    fn lines(&mut self) -> String {
        let plain = self.plain;
        let s = self.raw();
        if plain {
            s.chars()
                .map(|c| if c == '\n' { '\n' } else { 'x' })
                .collect()
        } else {
            s.to_owned()
        }
    }
}

/// Choices (variants, counts) read from the first bytes, the same for both renderings.
struct Choices<'a>(&'a [u8], usize);

impl Choices<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let b = self.0.get(self.1).copied().unwrap_or(0) as usize;
        self.1 += 1;
        b % n
    }
}

fn finding(f: &mut Fields, c: &mut Choices) -> Finding {
    let code = Code::ALL[c.pick(Code::ALL.len())];
    let mut finding = Finding::new(code, f.text());
    finding.severity = [Severity::Info, Severity::Warning, Severity::Error][c.pick(3)];
    finding.subject = (c.pick(2) == 0).then(|| f.text());
    finding.help = f.text();
    finding.overridden = (c.pick(2) == 0).then_some(Severity::Warning);
    finding.unverified = c.pick(2) == 0;
    finding
}

fn findings(f: &mut Fields, c: &mut Choices) -> Vec<Finding> {
    (0..c.pick(3)).map(|_| finding(f, c)).collect()
}

fn endpoint(f: &mut Fields) -> Endpoint {
    Endpoint {
        binding: f.text(),
        location: f.text(),
        index: None,
        is_default: false,
    }
}

fn check_report(f: &mut Fields, c: &mut Choices) -> CheckReport {
    let t = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
    let signature = match c.pick(6) {
        0 => SignatureStatus::Absent,
        1 => SignatureStatus::Valid {
            signer: f.text(),
            signer_subject: f.text(),
            algorithm: f.text(),
            pinned: c.pick(2) == 0,
        },
        2 => SignatureStatus::Reformatted {
            signer: f.text(),
            signer_subject: f.text(),
        },
        3 => SignatureStatus::Invalid { reason: f.text() },
        4 => SignatureStatus::TooManyKeys {
            keys: 17,
            limit: 16,
            in_key_info: c.pick(2) == 0,
        },
        _ => SignatureStatus::Untrusted { reason: f.text() },
    };
    let metadata = MetadataSummary {
        entity_id: f.text(),
        kind: match c.pick(3) {
            0 => IdpKind::Entra {
                tenant: f.text(),
                cloud: samlbridge::entra::Cloud::ALL[c.pick(3)],
            },
            1 => IdpKind::EntraCommon {
                cloud: samlbridge::entra::Cloud::ALL[c.pick(3)],
            },
            _ => IdpKind::Other,
        },
        signature,
        valid_until: (c.pick(2) == 0).then_some(t),
        sso_services: (0..c.pick(3)).map(|_| endpoint(f)).collect(),
        slo_services: Vec::new(),
        name_id_formats: Vec::new(),
        wsfed_roles: Vec::new(),
        characters: 1000,
        byte_order_mark: c.pick(2) == 0,
    };
    let certificates = (0..c.pick(3))
        .map(|_| CertSummary {
            subject: f.text(),
            common_name: f.text(),
            issuer: f.text(),
            serial: f.text(),
            sha1: f.text(),
            sha256: f.text(),
            not_before: t,
            not_after: t,
            days_left: c.pick(100) as i64 - 20,
            status: [
                CertStatus::Valid,
                CertStatus::Expired,
                CertStatus::NotYetValid,
            ][c.pick(3)],
            key: KeyKind::Ec {
                bits: 256,
                curve: f.text(),
            },
            signature_algorithm: f.text(),
            signs_document: c.pick(2) == 0,
            newest: c.pick(2) == 0,
        })
        .collect();
    CheckReport {
        // Prefixed so the two differ in both renderings: the redirect line shows only then.
        source: format!("s{}", f.text()),
        url: (c.pick(2) == 0).then(|| format!("u{}", f.text())),
        target: [
            TargetChoice::Unknown,
            TargetChoice::Given(Target::IdentityCenter),
            TargetChoice::FromSpMetadata(Target::Iam),
        ][c.pick(3)],
        metadata: Some(metadata),
        certificates,
        sp_metadata: (c.pick(2) == 0).then(|| SpMetadata {
            entity_id: f.text(),
            acs: (0..c.pick(3)).map(|_| endpoint(f)).collect(),
            name_id_formats: Vec::new(),
            want_assertions_signed: None,
            authn_requests_signed: None,
        }),
        findings: findings(f, c),
        parsed: None,
    }
}

fn attributes(f: &mut Fields, c: &mut Choices) -> Vec<Attribute> {
    (0..c.pick(3))
        .map(|_| Attribute {
            name: f.text(),
            name_format: None,
            friendly_name: None,
            values: (0..c.pick(4))
                .map(|_| AttributeValue {
                    text: f.text(),
                    structured: false,
                })
                .collect(),
        })
        .collect()
}

fn claims(f: &mut Fields, c: &mut Choices) -> Claims {
    Claims {
        name_id: (c.pick(2) == 0).then(|| NameId {
            value: f.text(),
            format: (c.pick(2) == 0).then(|| f.text()),
            name_qualifier: None,
            sp_name_qualifier: None,
        }),
        aws_attributes: attributes(f, c),
        other_attributes: attributes(f, c),
        authn: None,
    }
}

fn validity(c: &mut Choices) -> Validity {
    let t = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
    Validity {
        not_before: Some(t),
        not_on_or_after: Some(t),
        seconds_left: Some(c.pick(7200) as i64 - 3600),
        session_not_on_or_after: None,
    }
}

fn response_report(f: &mut Fields, c: &mut Choices) -> ResponseReport {
    let t = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
    // Verified claims, claims shown unverified, or neither with the reason.
    let shown = c.pick(3);
    ResponseReport {
        label: f.text(),
        binding: Binding::Post,
        verdict: ["accept", "reject"][c.pick(2)],
        target: [
            TargetChoice::Unknown,
            TargetChoice::Given(Target::Iam),
            TargetChoice::FromSpMetadata(Target::IdentityCenter),
        ][c.pick(3)],
        judged_at: JudgedAt {
            instant: t,
            source: [
                InstantSource::Given,
                InstantSource::WallClock,
                InstantSource::Captured(CaptureSource::SamlTracerTimestamp),
                InstantSource::Captured(CaptureSource::HarStartedDateTime {
                    entry: c.pick(100),
                }),
            ][c.pick(4)],
        },
        response: Some(ResponseEnvelope {
            id: Some(f.text()),
            destination: (c.pick(2) == 0).then(|| f.text()),
            in_response_to: (c.pick(2) == 0).then(|| f.text()),
            issue_instant: None,
            issuer: Some(f.text()),
            status: Status {
                code: (c.pick(2) == 0).then(|| f.text()),
                sub_codes: Vec::new(),
                message: (c.pick(2) == 0).then(|| f.lines()),
            },
            repeated: Vec::new(),
        }),
        signing: Some(SigningInfo {
            response_signed: c.pick(2) == 0,
            assertion_signed: c.pick(2) == 0,
            algorithm: SignatureAlgorithm::Other(f.text()),
            digest: DigestAlgorithm::Other(f.text()),
            signer: (c.pick(2) == 0).then(|| {
                Arc::new(Signer {
                    label: f.text(),
                    subject: f.text(),
                    sha1: f.text(),
                    sha256: f.text(),
                })
            }),
        }),
        claims: (shown == 0).then(|| claims(f, c)),
        validity: (shown == 0).then(|| validity(c)),
        unverified_claims: (shown == 1).then(|| claims(f, c)),
        unverified_validity: (shown == 1).then(|| validity(c)),
        decrypted: (c.pick(2) == 0).then(|| Decrypted {
            key: f.text(),
            key_sha256: f.text(),
            certificate_sha256: (c.pick(2) == 0).then(|| f.text()),
            key_transport: "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
            content_encryption: "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
        }),
        unverified_withheld: (shown == 2).then_some(
            "the document holds more than one assertion; which one a service reads is what a signature-wrapping attack decides",
        ),
        findings: findings(f, c),
    }
}

fn plan(f: &mut Fields, c: &mut Choices) -> Plan {
    Plan {
        directory: f.text(),
        exists: true,
        files: (0..c.pick(4))
            .map(|_| PlannedFile {
                name: f.text(),
                bytes: 10,
                change: match c.pick(7) {
                    0 => Change::New,
                    1 => Change::Unchanged,
                    2 => Change::Modified { diff: f.lines() },
                    3 => Change::Edited { diff: f.lines() },
                    4 => Change::NotOwned,
                    5 => Change::Removed,
                    _ => Change::KeptEdited,
                },
            })
            .collect(),
    }
}

fn fleet(f: &mut Fields, c: &mut Choices) -> FleetReport {
    let t = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
    FleetReport {
        apps: (0..c.pick(4))
            .map(|_| AppReport {
                name: f.text(),
                tenant: f.text(),
                app_id: f.text(),
                target: None,
                url: f.text(),
                status: [
                    AppStatus::Ok,
                    AppStatus::Warnings,
                    AppStatus::Errors,
                    AppStatus::Unavailable,
                ][c.pick(4)],
                soonest_expiry: (c.pick(2) == 0).then_some(t),
                days_left: (c.pick(2) == 0).then_some(c.pick(100) as i64),
                thumbprint: (c.pick(2) == 0).then(|| f.text()),
                findings: findings(f, c),
                check: None,
            })
            .collect(),
    }
}

/// Every human report, built from `parts` and the choices in `choices`.
fn render(parts: &[&str], choices: &[u8], plain: bool) -> Vec<String> {
    let mut f = Fields {
        parts: parts.to_vec(),
        next: 0,
        plain,
    };
    let mut c = Choices(choices, 0);
    let check = check_report(&mut f, &mut c);
    let response = response_report(&mut f, &mut c);
    let error = InputError {
        label: f.text(),
        message: f.text(),
    };
    let plan = plan(&mut f, &mut c);
    let outcome = f.text();
    let fleet = fleet(&mut f, &mut c);
    let subject = f.text();
    vec![
        human::check("check", &check),
        human::validated_response(&response),
        human::validate_error(&error),
        human::plan(&plan, &outcome, c.pick(2) == 0),
        human::fleet(&fleet, &fleet.findings()),
        human::verdict_line("check", &subject, &check.findings),
    ]
}

fuzz_target!(|data: &[u8]| {
    let (choices, text) = data.split_at(data.len().min(16));
    let text = String::from_utf8_lossy(text);
    // '|' separates fields; it is printable, so no character the property is about is lost.
    let parts: Vec<&str> = text.split('|').collect();

    for part in &parts {
        let escaped = escape(part);
        assert!(!escaped.contains(forbidden) && !escaped.contains(['\n', '\u{1b}']));
        assert_eq!(Escaped(part).to_string(), escaped);
    }

    // At a terminal's width, where finding lines wrap: nothing from the input may escape.
    human::set_width(human::DEFAULT_WIDTH);
    for report in render(&parts, choices, false) {
        assert!(
            !report.contains(forbidden),
            "a control or format character reached the report: {report:?}"
        );
        assert!(
            matches!(human::for_terminal(&report), Cow::Borrowed(_)),
            "a stray escape character or separator reached the report: {report:?}"
        );
    }
    // Wider than any input, so that no line wraps: the report then has as many lines as it has
    // with plain text in every field, whatever the input holds (wrapping, which depends on the
    // escaped text's length, would add lines of its own).
    human::set_width(1 << 20);
    let shown = render(&parts, choices, false);
    let plain = render(&parts, choices, true);
    for (report, plain) in shown.iter().zip(&plain) {
        assert_eq!(
            report.matches('\n').count(),
            plain.matches('\n').count(),
            "a line feed from the input broke a report line: {report:?}"
        );
    }
});
