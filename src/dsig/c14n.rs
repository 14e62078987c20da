//! Exclusive XML canonicalization 1.0 (with and without comments) of an element subtree of the
//! strict tree, as XML-DSig digests it: <https://www.w3.org/TR/xml-exc-c14n/>.
//!
//! Only what the signature verifier needs: an apex element and its descendants, optionally
//! minus one excluded element (the enveloped signature), with an InclusiveNamespaces
//! PrefixList. Output escaping follows Canonical XML 1.0 so that different trees never
//! serialise to the same bytes.

use crate::xml::{Attribute, Element, Node};

/// How to canonicalize.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    pub with_comments: bool,
    /// Prefixes treated by inclusive rules (`#default` for the default namespace).
    pub inclusive_prefixes: &'a [String],
    /// An element left out with its subtree (the enveloped `ds:Signature`).
    pub exclude: Option<&'a Element>,
}

/// A namespace binding: prefix (`None` = default namespace) and URI (`""` = none).
type Binding<'a> = (Option<&'a str>, &'a str);

fn lookup<'a>(stack: &[Binding<'a>], prefix: Option<&str>) -> Option<&'a str> {
    stack
        .iter()
        .rev()
        .find(|(p, _)| *p == prefix)
        .map(|(_, u)| *u)
}

/// Canonicalizes `apex` (and its subtree). `ancestors` are the elements from the document
/// root down to `apex`'s parent, which give the namespace bindings in scope.
pub fn exclusive<'a>(ancestors: &[&'a Element], apex: &'a Element, opts: Options<'a>) -> Vec<u8> {
    let mut in_scope: Vec<Binding<'a>> = Vec::new();
    for a in ancestors {
        push_decls(a, &mut in_scope);
    }
    let mut rendered: Vec<Binding<'a>> = Vec::new();
    let mut out = Vec::with_capacity(4096);
    let inclusive = inclusive_in_scope(&in_scope, &opts);
    element(
        apex,
        &mut in_scope,
        &mut rendered,
        &inclusive,
        &opts,
        &mut out,
    );
    out
}

/// The bindings in scope of the PrefixList's prefixes. Computed again only where an element
/// declares namespaces, so a long list costs nothing on the many elements that declare none.
fn inclusive_in_scope<'a>(in_scope: &[Binding<'a>], opts: &Options<'a>) -> Vec<Binding<'a>> {
    opts.inclusive_prefixes
        .iter()
        .filter_map(|p| {
            let prefix = if p == "#default" {
                None
            } else {
                Some(p.as_str())
            };
            lookup(in_scope, prefix).map(|uri| (prefix, uri))
        })
        .collect()
}

fn push_decls<'a>(e: &'a Element, stack: &mut Vec<Binding<'a>>) {
    for d in &e.ns_decls {
        stack.push((d.prefix.as_deref(), &d.uri));
    }
}

fn element<'a>(
    e: &'a Element,
    in_scope: &mut Vec<Binding<'a>>,
    rendered: &mut Vec<Binding<'a>>,
    inherited: &[Binding<'a>],
    opts: &Options<'a>,
    out: &mut Vec<u8>,
) {
    let scope_mark = in_scope.len();
    push_decls(e, in_scope);
    let own;
    let inclusive = if e.ns_decls.is_empty() {
        inherited
    } else {
        own = inclusive_in_scope(in_scope, opts);
        &own
    };

    let emit = start_tag(e, rendered, inclusive, out);
    let render_mark = rendered.len();
    rendered.extend(emit);
    for child in &e.children {
        match child {
            Node::Element(c) => {
                if opts.exclude.is_some_and(|x| std::ptr::eq(x, c)) {
                    continue;
                }
                element(c, in_scope, rendered, inclusive, opts, out);
            }
            Node::Text(t) => escape_text(t, out),
            Node::Comment(c) if opts.with_comments => {
                out.extend_from_slice(b"<!--");
                out.extend_from_slice(c.as_bytes());
                out.extend_from_slice(b"-->");
            }
            Node::Comment(_) => {}
            Node::Pi { target, data } => {
                out.extend_from_slice(b"<?");
                out.extend_from_slice(target.as_bytes());
                if !data.is_empty() {
                    out.push(b' ');
                    out.extend_from_slice(data.as_bytes());
                }
                out.extend_from_slice(b"?>");
            }
        }
    }
    rendered.truncate(render_mark);
    out.extend_from_slice(b"</");
    qname(e.prefix.as_deref(), &e.local, out);
    out.push(b'>');
    in_scope.truncate(scope_mark);
}

/// Writes the start tag of `e`: the namespace declarations it needs that no output ancestor
/// `rendered`, then its attributes, each in canonical order. Returns the declarations written.
fn start_tag<'a>(
    e: &'a Element,
    rendered: &[Binding<'a>],
    inclusive: &[Binding<'a>],
    out: &mut Vec<u8>,
) -> Vec<Binding<'a>> {
    // Namespaces visibly utilized by the element and its attributes, plus the inclusive ones.
    let mut wanted: Vec<Binding<'a>> = Vec::with_capacity(4);
    let mut want = |b: Binding<'a>| {
        if !wanted.iter().any(|(p, _)| *p == b.0) {
            wanted.push(b);
        }
    };
    // The `xml` prefix is bound by definition and never declared.
    if e.prefix.as_deref() != Some("xml") {
        want((e.prefix.as_deref(), e.namespace.as_deref().unwrap_or("")));
    }
    for a in &e.attributes {
        if let (Some(p), Some(ns)) = (a.prefix.as_deref(), a.namespace.as_deref()) {
            if p != "xml" {
                want((Some(p), ns));
            }
        }
    }
    for b in inclusive {
        want(*b);
    }
    let mut emit: Vec<Binding<'a>> = wanted
        .into_iter()
        .filter(|(p, uri)| {
            let current = lookup(rendered, *p);
            match p {
                // xmlns="" only undoes a default namespace an output ancestor rendered.
                None if uri.is_empty() => current.is_some_and(|c| !c.is_empty()),
                _ => current != Some(uri),
            }
        })
        .collect();
    emit.sort_by(|a, b| a.0.unwrap_or("").cmp(b.0.unwrap_or("")));

    out.push(b'<');
    qname(e.prefix.as_deref(), &e.local, out);
    for (p, uri) in &emit {
        match p {
            None => out.extend_from_slice(b" xmlns=\""),
            Some(p) => {
                out.extend_from_slice(b" xmlns:");
                out.extend_from_slice(p.as_bytes());
                out.extend_from_slice(b"=\"");
            }
        }
        escape_attr(uri, out);
        out.push(b'"');
    }
    let mut attrs: Vec<&Attribute> = e.attributes.iter().collect();
    attrs.sort_by(|a, b| {
        (a.namespace.as_deref().unwrap_or(""), &*a.local)
            .cmp(&(b.namespace.as_deref().unwrap_or(""), &*b.local))
    });
    for a in attrs {
        out.push(b' ');
        qname(a.prefix.as_deref(), &a.local, out);
        out.extend_from_slice(b"=\"");
        escape_attr(&a.value, out);
        out.push(b'"');
    }
    out.push(b'>');
    emit
}

fn qname(prefix: Option<&str>, local: &str, out: &mut Vec<u8>) {
    if let Some(p) = prefix {
        out.extend_from_slice(p.as_bytes());
        out.push(b':');
    }
    out.extend_from_slice(local.as_bytes());
}

fn escape_text(s: &str, out: &mut Vec<u8>) {
    escape(s, out, &TEXT_SPECIAL)
}

fn escape_attr(s: &str, out: &mut Vec<u8>) {
    escape(s, out, &ATTRIBUTE_SPECIAL)
}

/// The bytes Canonical XML writes as references, in text and in attribute values.
const TEXT_SPECIAL: [bool; 256] = special(b"&<>\r");
const ATTRIBUTE_SPECIAL: [bool; 256] = special(b"&<\"\t\n\r");

const fn special(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

/// Copies `s` in runs between the `special` bytes, each written as its reference.
fn escape(s: &str, out: &mut Vec<u8>, special: &[bool; 256]) {
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if special[usize::from(b)] {
            out.extend_from_slice(&bytes[run..i]);
            out.extend_from_slice(match b {
                b'&' => b"&amp;",
                b'<' => b"&lt;",
                b'>' => b"&gt;",
                b'"' => b"&quot;",
                b'\t' => b"&#x9;",
                b'\n' => b"&#xA;",
                _ => b"&#xD;",
            });
            run = i + 1;
        }
    }
    out.extend_from_slice(&bytes[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    fn c14n(xml: &str, path: &[usize], opts: Options<'_>) -> String {
        let doc = parse(xml.as_bytes()).unwrap();
        let mut ancestors = Vec::new();
        let mut e = &doc.root;
        for &i in path {
            ancestors.push(e);
            e = e.elements().nth(i).unwrap();
        }
        String::from_utf8(exclusive(&ancestors, e, opts)).unwrap()
    }

    #[test]
    fn renders_only_visibly_utilized_namespaces() {
        let xml = r#"<samlp:Response xmlns:samlp="urn:p" xmlns:saml="urn:a" xmlns:unused="urn:u"><saml:Assertion ID="a" b="2" a="1"><saml:Issuer>x</saml:Issuer><Plain/></saml:Assertion></samlp:Response>"#;
        assert_eq!(
            c14n(xml, &[0], Options::default()),
            r#"<saml:Assertion xmlns:saml="urn:a" ID="a" a="1" b="2"><saml:Issuer>x</saml:Issuer><Plain></Plain></saml:Assertion>"#
        );
    }

    #[test]
    fn default_namespaces_and_undeclaring() {
        let xml = r#"<r xmlns="urn:d"><a><b xmlns="">t</b><c xmlns="urn:d"/></a></r>"#;
        assert_eq!(
            c14n(xml, &[0], Options::default()),
            r#"<a xmlns="urn:d"><b xmlns="">t</b><c></c></a>"#
        );
        // An apex in no namespace under a default-namespaced ancestor needs no xmlns="".
        let xml = r#"<r xmlns="urn:d"><a xmlns=""><b/></a></r>"#;
        assert_eq!(c14n(xml, &[0], Options::default()), "<a><b></b></a>");
    }

    #[test]
    fn sorts_attributes_by_namespace_then_name_and_escapes() {
        let xml = "<e xmlns:z=\"urn:a\" xmlns:y=\"urn:b\" z:k=\"1\" y:k=\"2\" b=\"&lt;&amp;&quot;&#9;&#10;&#13;\" a=\"x\">&lt;&amp;&gt;&#13;\u{e9}</e>";
        assert_eq!(
            c14n(xml, &[], Options::default()),
            "<e xmlns:y=\"urn:b\" xmlns:z=\"urn:a\" a=\"x\" b=\"&lt;&amp;&quot;&#x9;&#xA;&#xD;\" z:k=\"1\" y:k=\"2\">&lt;&amp;&gt;&#xD;\u{e9}</e>"
        );
    }

    #[test]
    fn comments_pis_cdata_and_exclusion() {
        let xml = "<a><!--c-->t<![CDATA[<x>]]><?pi  data?><?empty?><s><x/></s><k/></a>";
        let doc = parse(xml.as_bytes()).unwrap();
        let s = doc.root.elements().next().unwrap();
        let opts = Options {
            exclude: Some(s),
            ..Options::default()
        };
        assert_eq!(
            String::from_utf8(exclusive(&[], &doc.root, opts)).unwrap(),
            "<a>t&lt;x&gt;<?pi data?><?empty?><k></k></a>"
        );
        let opts = Options {
            with_comments: true,
            ..Options::default()
        };
        assert_eq!(
            String::from_utf8(exclusive(&[], &doc.root, opts)).unwrap(),
            "<a><!--c-->t&lt;x&gt;<?pi data?><?empty?><s><x></x></s><k></k></a>"
        );
    }

    #[test]
    fn inclusive_prefix_list() {
        let xml = r#"<r xmlns:xs="urn:xs" xmlns:o="urn:o"><a><b/></a></r>"#;
        let list = vec!["xs".to_owned(), "missing".to_owned()];
        let opts = Options {
            inclusive_prefixes: &list,
            ..Options::default()
        };
        assert_eq!(c14n(xml, &[0], opts), r#"<a xmlns:xs="urn:xs"><b></b></a>"#);
    }

    #[test]
    fn xml_prefix_is_never_declared() {
        let xml = r#"<a xml:lang="en"><b/></a>"#;
        assert_eq!(
            c14n(xml, &[], Options::default()),
            r#"<a xml:lang="en"><b></b></a>"#
        );
        let xml = r#"<a><xml:b/></a>"#;
        assert_eq!(
            c14n(xml, &[], Options::default()),
            r#"<a><xml:b></xml:b></a>"#
        );
    }
}
