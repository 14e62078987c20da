//! Which namespace names canonical XML accepts.
//!
//! Canonical XML refuses documents with relative namespace URIs (C14N 1.0, section 2), and
//! libxml2 enforces that on every element of the document whenever it canonicalizes any part
//! of it: a declaration it cannot read as an absolute RFC 3986 URI anywhere, even in unsigned
//! content, makes every signature in the document fail there. The native verifier refuses the
//! same documents so both verifiers always agree. The grammar below is RFC 3986's `URI` as
//! libxml2 2.9 reads it: an IP literal is anything between brackets, a port needs at least one
//! digit and fits in a C `int`, and a fragment may also hold brackets.

/// True when `uri` is an absolute URI (`scheme ":" hier-part ["?" query] ["#" fragment]`).
pub fn is_absolute(uri: &str) -> bool {
    let mut s = Scanner(uri.as_bytes());
    s.scheme()
        && s.eat(b':')
        && s.hier_part()
        && (!s.eat(b'?') || s.run(|b| is_pchar_byte(b) || matches!(b, b'/' | b'?')))
        && (!s.eat(b'#') || s.run(|b| is_pchar_byte(b) || matches!(b, b'/' | b'?' | b'[' | b']')))
        && s.0.is_empty()
}

struct Scanner<'a>(&'a [u8]);

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.0 = &self.0[1..];
        }
        hit
    }

    /// Consumes a run of bytes accepted by `allowed`, or percent-encoded octets. False when a
    /// `%` is not followed by two hexadecimal digits.
    fn run(&mut self, allowed: impl Fn(u8) -> bool) -> bool {
        loop {
            match self.0 {
                [b'%', h, l, rest @ ..] if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                    self.0 = rest;
                }
                [b'%', ..] => return false,
                [b, rest @ ..] if allowed(*b) => self.0 = rest,
                _ => return true,
            }
        }
    }

    /// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`
    fn scheme(&mut self) -> bool {
        if !self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            return false;
        }
        let end = self
            .0
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
            .unwrap_or(self.0.len());
        self.0 = &self.0[end..];
        true
    }

    /// `"//" authority path-abempty / path-absolute / path-rootless / path-empty`: without an
    /// authority, any run of path characters and slashes; after one, only a path that starts
    /// with a slash.
    fn hier_part(&mut self) -> bool {
        if self.0.starts_with(b"//") {
            self.0 = &self.0[2..];
            if !self.authority() {
                return false;
            }
            if self.peek() != Some(b'/') {
                return true;
            }
        }
        self.run(|b| is_pchar_byte(b) || b == b'/')
    }

    /// `[ userinfo "@" ] host [ ":" port ]`
    fn authority(&mut self) -> bool {
        let start = self.0;
        if !(self.run(|b| is_unreserved(b) || is_sub_delim(b) || b == b':') && self.eat(b'@')) {
            self.0 = start;
        }
        if self.eat(b'[') {
            let Some(close) = self.0.iter().position(|&b| b == b']') else {
                return false;
            };
            self.0 = &self.0[close + 1..];
        } else if !self.run(|b| is_unreserved(b) || is_sub_delim(b)) {
            return false;
        }
        !self.eat(b':') || self.port()
    }

    fn port(&mut self) -> bool {
        let digits = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        let fits = std::str::from_utf8(&self.0[..digits])
            .ok()
            .and_then(|d| d.parse::<i32>().ok())
            .is_some();
        self.0 = &self.0[digits..];
        digits > 0 && fits
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// `pchar` without its percent-encoded octets, which [`Scanner::run`] handles.
fn is_pchar_byte(b: u8) -> bool {
    is_unreserved(b) || is_sub_delim(b) || matches!(b, b':' | b'@')
}

#[cfg(test)]
mod tests {
    use super::is_absolute;
    use proptest::prelude::*;
    use std::ffi::{c_char, c_void, CString};

    // libxml2 is linked through samael; its URI parser is the reference these tests hold
    // the recognizer to.
    extern "C" {
        fn xmlParseURI(uri: *const c_char) -> *mut c_void;
        fn xmlFreeURI(uri: *mut c_void);
    }

    /// What libxml2's canonicalizer decides: the URI parses and has a scheme.
    fn libxml2_absolute(uri: &str) -> bool {
        let Ok(c) = CString::new(uri) else {
            return false;
        };
        // SAFETY: `c` is a NUL-terminated string that outlives the call; xmlParseURI returns
        // NULL or an xmlURI whose first field is the `char *scheme` member, freed here once.
        unsafe {
            let parsed = xmlParseURI(c.as_ptr());
            if parsed.is_null() {
                return false;
            }
            let scheme = *(parsed as *const *const c_char);
            let absolute = !scheme.is_null() && *scheme != 0;
            xmlFreeURI(parsed);
            absolute
        }
    }

    #[test]
    fn namespaces_in_use_are_absolute() {
        for uri in [
            "urn:oasis:names:tc:SAML:2.0:assertion",
            "http://www.w3.org/2000/09/xmldsig#",
            "http://www.w3.org/XML/1998/namespace",
            "http://docs.oasis-open.org/wsfed/federation/200706",
            "mailto:a@b",
            "a:",
            "http://[any thing]/",
            "http://u:p@h:8080/p?q#f[]",
        ] {
            assert!(is_absolute(uri), "{uri}");
            assert!(libxml2_absolute(uri), "{uri}");
        }
    }

    #[test]
    fn relative_and_malformed_names_are_refused() {
        for uri in [
            "abc",
            "",
            ":b",
            "1a:b",
            "http://ww\u{7f}.w3.org/2000/09/xmldsig#",
            "a:b c",
            "a:%4",
            "a:%zz",
            "a:b#c#d",
            "a:b?c[]",
            "http://h:/x",
            "http://h:12a/",
            "http://h:99999999999/",
            "http://[::1/",
            "http://u@h@x/",
            "urn:caf\u{e9}",
        ] {
            assert!(!is_absolute(uri), "{uri}");
            assert!(!libxml2_absolute(uri), "{uri}");
        }
    }

    /// Strings built from the characters URIs are made of, and the ones they may not hold.
    fn uri_like() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => proptest::sample::select(vec![
                "a", "Z", "0", "9", ":", "/", "//", "?", "#", "[", "]", "@", "%", "%4", "%41",
                "%g1", ".", "-", "+", "_", "~", "!", "$", "&", "'", "(", ")", "*", ",", ";",
                "=", " ", "\"", "<", ">", "\\", "^", "`", "{", "|", "}", "\u{7f}", "\u{e9}",
                "http", "urn", "www.w3.org", "2147483647", "2147483648",
            ])
            .prop_map(str::to_owned),
            1 => "[a-z0-9:/?#@.%\\[\\]]{1,4}",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn agrees_with_libxml2(uri in uri_like()) {
            prop_assert_eq!(is_absolute(&uri), libxml2_absolute(&uri), "{:?}", uri);
        }

        #[test]
        fn agrees_with_libxml2_after_a_scheme(rest in uri_like()) {
            let uri = format!("http:{rest}");
            prop_assert_eq!(is_absolute(&uri), libxml2_absolute(&uri), "{:?}", uri);
        }
    }
}
