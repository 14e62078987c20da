//! Property tests: validation is a pure function of its inputs; any change to signed content
//! is caught; changes exclusive canonicalization ignores are not.

use super::tests::{key, run_result, settings, spec};
use super::ValidateSettings;
use proptest::prelude::*;
use std::sync::OnceLock;

/// A valid Identity Center response whose assertion (only) is signed.
fn fixture() -> &'static str {
    static XML: OnceLock<String> = OnceLock::new();
    XML.get_or_init(|| spec(&key(0)).build())
}

/// Trust in the fixture's signer, made once: every case validates against it.
fn trusted() -> &'static ValidateSettings {
    static SETTINGS: OnceLock<ValidateSettings> = OnceLock::new();
    SETTINGS.get_or_init(|| settings(&[&key(0)]))
}

/// The fixture's claims, as JSON.
fn original_claims() -> &'static serde_json::Value {
    static CLAIMS: OnceLock<serde_json::Value> = OnceLock::new();
    CLAIMS.get_or_init(|| {
        let r = run_result(fixture().as_bytes(), trusted()).unwrap();
        serde_json::to_value(&r.claims).unwrap()
    })
}

fn outcome(xml: &[u8]) -> serde_json::Value {
    match run_result(xml, trusted()) {
        Ok(r) => serde_json::to_value(&r).unwrap(),
        Err(e) => serde_json::json!({ "refused": e.to_string() }),
    }
}

/// Byte ranges of the assertion that its signature covers: the Assertion element minus its
/// ds:Signature (whose KeyInfo nobody signs).
fn signed_positions() -> &'static [usize] {
    static POSITIONS: OnceLock<Vec<usize>> = OnceLock::new();
    POSITIONS.get_or_init(|| {
        let xml = fixture();
        let start = xml.find("<Assertion ").unwrap();
        let end = xml.find("</Assertion>").unwrap() + "</Assertion>".len();
        let sig_start = xml[start..].find("<Signature").unwrap() + start;
        let sig_end = xml[start..].find("</Signature>").unwrap() + start + "</Signature>".len();
        (start..end)
            .filter(|i| !(sig_start..sig_end).contains(i))
            .filter(|&i| xml.as_bytes()[i].is_ascii_alphanumeric())
            .collect()
    })
}

/// Another alphanumeric byte than `b`, picked by `n`.
fn other_alphanumeric(b: u8, n: u8) -> u8 {
    const SET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let c = SET[n as usize % SET.len()];
    if c == b {
        SET[(n as usize + 1) % SET.len()]
    } else {
        c
    }
}

/// Rewrites every start tag in ways canonicalization undoes: attribute order, the whitespace
/// between attributes and before `>`, the quote character, and `<e/>` as `<e></e>`; choices
/// come from `entropy`.
fn reformat_tags(xml: &str, entropy: &[u8]) -> String {
    let mut pick = entropy.iter().cycle().copied();
    let mut next = move || pick.next().unwrap_or(0) as usize;
    let b = xml.as_bytes();
    let mut out = String::with_capacity(xml.len() * 2);
    let mut i = 0;
    while i < b.len() {
        let is_start = b[i] == b'<' && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic());
        if !is_start {
            let ch = xml[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let name_end = i + xml[i..]
            .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            .unwrap();
        let name = &xml[i + 1..name_end];
        let mut j = name_end;
        let mut attrs: Vec<(&str, &str)> = Vec::new();
        let empty = loop {
            while b[j].is_ascii_whitespace() {
                j += 1;
            }
            if b[j] == b'>' {
                j += 1;
                break false;
            }
            if b[j] == b'/' {
                j += 2;
                break true;
            }
            let eq = j + xml[j..].find('=').unwrap();
            let quote = b[eq + 1];
            let value_end = eq + 2 + xml[eq + 2..].find(quote as char).unwrap();
            attrs.push((&xml[j..eq], &xml[eq + 2..value_end]));
            j = value_end + 1;
        };
        // Any order: exclusive c14n sorts them (namespace declarations first).
        for k in (1..attrs.len()).rev() {
            attrs.swap(k, next() % (k + 1));
        }
        const SPACE: [&str; 5] = [" ", "  ", "\n", "\t", "\r\n  "];
        out.push('<');
        out.push_str(name);
        for (k, v) in attrs {
            out.push_str(SPACE[next() % SPACE.len()]);
            let q = if v.contains('\'') || next() % 2 == 0 {
                '"'
            } else {
                '\''
            };
            out.push_str(&format!("{k}={q}{v}{q}"));
        }
        if next() % 2 == 0 {
            out.push_str(SPACE[next() % SPACE.len()]);
        }
        if empty && next() % 2 == 0 {
            out.push_str(&format!("></{name}>"));
        } else if empty {
            out.push_str("/>");
        } else {
            out.push('>');
        }
        i = j;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The same input, trust, expectations and clock give the same report, whatever was
    /// validated before (no state carried between calls).
    #[test]
    fn validation_is_pure(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3)) {
        let mut xml = fixture().as_bytes().to_vec();
        for (at, byte) in &flips {
            let i = at.index(xml.len());
            xml[i] = *byte;
        }
        let first = outcome(&xml);
        let _ = outcome(fixture().as_bytes());
        prop_assert_eq!(&first, &outcome(&xml));
    }

    /// Any single-byte change to the signed content is refused or rejected: never accepted.
    #[test]
    fn signed_content_changes_are_rejected(at in any::<prop::sample::Index>(), n in any::<u8>()) {
        let positions = signed_positions();
        let i = positions[at.index(positions.len())];
        let mut xml = fixture().as_bytes().to_vec();
        xml[i] = other_alphanumeric(xml[i], n);
        let result = run_result(&xml, trusted());
        prop_assert!(
            result.as_ref().map_or(true, |r| !r.accepted()),
            "changing byte {} ({:?}) was accepted",
            i,
            char::from(fixture().as_bytes()[i])
        );
    }

    /// Reformatting every tag and adding whitespace between the unsigned Response's children
    /// keeps the response valid, with the same claims.
    #[test]
    fn canonically_equal_documents_stay_valid(entropy in prop::collection::vec(any::<u8>(), 1..64), gap in "[ \t\n]{0,4}") {
        let reformatted = reformat_tags(fixture(), &entropy)
            .replacen("</Issuer>", &format!("</Issuer>{gap}"), 1)
            .replace("</samlp:Status>", &format!("</samlp:Status>{gap}"));
        let r = run_result(reformatted.as_bytes(), trusted());
        let r = r.map_err(|e| TestCaseError::fail(format!("{e}\n{reformatted}")))?;
        prop_assert!(r.accepted(), "{:?}\n{}", r.findings, reformatted);
        prop_assert_eq!(&serde_json::to_value(&r.claims).unwrap(), original_claims());
    }
}

#[test]
fn the_reformatter_changes_bytes() {
    let out = reformat_tags(fixture(), &[1, 2, 3, 4, 5, 6, 7]);
    assert_ne!(out, fixture());
    assert!(out.contains("></SubjectConfirmationData>") || out.contains("\n"));
    assert!(signed_positions().len() > 1000);
}
