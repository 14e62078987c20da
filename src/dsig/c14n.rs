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
    pub exclude: Option<&'a Element<'a>>,
}

/// A namespace binding: prefix (`None` = default namespace) and URI (`""` = none).
type Binding<'a> = (Option<&'a str>, &'a str);

/// Where canonical bytes go: a buffer, or straight into a digest (so the signed content is
/// never held whole a second time).
pub trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

fn lookup<'a>(stack: &[Binding<'a>], prefix: Option<&str>) -> Option<&'a str> {
    stack
        .iter()
        .rev()
        .find(|(p, _)| *p == prefix)
        .map(|(_, u)| *u)
}

/// Canonicalizes `apex` (and its subtree). `ancestors` are the elements from the document
/// root down to `apex`'s parent, which give the namespace bindings in scope.
pub fn exclusive<'a>(
    ancestors: &[&'a Element<'a>],
    apex: &'a Element<'a>,
    opts: Options<'a>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    exclusive_into(ancestors, apex, opts, &mut out);
    out
}

/// [`exclusive`], writing into `out`.
pub fn exclusive_into<'a>(
    ancestors: &[&'a Element<'a>],
    apex: &'a Element<'a>,
    opts: Options<'a>,
    out: &mut impl Sink,
) {
    let mut writer = Writer {
        in_scope: Vec::new(),
        rendered: Vec::new(),
        wanted: Vec::new(),
        attributes: Vec::new(),
        opts,
        out,
    };
    for a in ancestors {
        push_decls(a, &mut writer.in_scope);
    }
    let inclusive = inclusive_in_scope(&writer.in_scope, &opts);
    writer.element(apex, &inclusive);
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

fn push_decls<'a>(e: &'a Element<'a>, stack: &mut Vec<Binding<'a>>) {
    for d in e.ns_decls {
        stack.push((d.prefix, d.uri));
    }
}

/// One canonicalization: the namespace stacks and the scratch space every start tag reuses,
/// so that no element costs an allocation.
struct Writer<'a, 'o, S: Sink> {
    /// Bindings in scope in the input, innermost last.
    in_scope: Vec<Binding<'a>>,
    /// Bindings the output has declared on the open elements, innermost last.
    rendered: Vec<Binding<'a>>,
    wanted: Vec<Binding<'a>>,
    attributes: Vec<&'a Attribute<'a>>,
    opts: Options<'a>,
    out: &'o mut S,
}

impl<'a, S: Sink> Writer<'a, '_, S> {
    fn element(&mut self, e: &'a Element<'a>, inherited: &[Binding<'a>]) {
        let scope_mark = self.in_scope.len();
        push_decls(e, &mut self.in_scope);
        let own;
        let inclusive = if e.ns_decls.is_empty() {
            inherited
        } else {
            own = inclusive_in_scope(&self.in_scope, &self.opts);
            &own
        };

        let render_mark = self.rendered.len();
        self.start_tag(e, inclusive);
        for child in e.children {
            match child {
                Node::Element(c) => {
                    if self.opts.exclude.is_some_and(|x| std::ptr::eq(x, c)) {
                        continue;
                    }
                    self.element(c, inclusive);
                }
                Node::Text(t) => escape(t, self.out, &TEXT_SPECIAL),
                Node::Comment(c) if self.opts.with_comments => {
                    self.out.put(b"<!--");
                    self.out.put(c.as_bytes());
                    self.out.put(b"-->");
                }
                Node::Comment(_) => {}
                Node::Pi { target, data } => {
                    self.out.put(b"<?");
                    self.out.put(target.as_bytes());
                    if !data.is_empty() {
                        self.out.put(b" ");
                        self.out.put(data.as_bytes());
                    }
                    self.out.put(b"?>");
                }
            }
        }
        self.rendered.truncate(render_mark);
        self.out.put(b"</");
        qname(e.prefix, e.local, self.out);
        self.out.put(b">");
        self.in_scope.truncate(scope_mark);
    }

    /// Writes the start tag of `e`: the namespace declarations it needs that no output
    /// ancestor rendered, then its attributes, each in canonical order; the declarations
    /// written are pushed onto `rendered`.
    fn start_tag(&mut self, e: &'a Element<'a>, inclusive: &[Binding<'a>]) {
        // Namespaces visibly utilized by the element and its attributes, plus the inclusive ones.
        let wanted = &mut self.wanted;
        wanted.clear();
        let mut want = |b: Binding<'a>| {
            if !wanted.iter().any(|(p, _)| *p == b.0) {
                wanted.push(b);
            }
        };
        // The `xml` prefix is bound by definition and never declared.
        if e.prefix != Some("xml") {
            want((e.prefix, e.namespace.unwrap_or("")));
        }
        for a in e.attributes {
            if let (Some(p), Some(ns)) = (a.prefix, a.namespace) {
                if p != "xml" {
                    want((Some(p), ns));
                }
            }
        }
        for b in inclusive {
            want(*b);
        }
        let rendered = &self.rendered;
        wanted.retain(|(p, uri)| {
            let current = lookup(rendered, *p);
            match p {
                // xmlns="" only undoes a default namespace an output ancestor rendered.
                None if uri.is_empty() => current.is_some_and(|c| !c.is_empty()),
                _ => current != Some(uri),
            }
        });
        wanted.sort_by(|a, b| a.0.unwrap_or("").cmp(b.0.unwrap_or("")));

        let out = &mut *self.out;
        out.put(b"<");
        qname(e.prefix, e.local, out);
        for (p, uri) in wanted.iter() {
            match p {
                None => out.put(b" xmlns=\""),
                Some(p) => {
                    out.put(b" xmlns:");
                    out.put(p.as_bytes());
                    out.put(b"=\"");
                }
            }
            escape(uri, out, &ATTRIBUTE_SPECIAL);
            out.put(b"\"");
        }
        self.rendered.extend_from_slice(wanted);
        let attrs = &mut self.attributes;
        attrs.clear();
        attrs.extend(e.attributes.iter());
        attrs.sort_by(|a, b| {
            (a.namespace.unwrap_or(""), a.local).cmp(&(b.namespace.unwrap_or(""), b.local))
        });
        for a in attrs.iter() {
            out.put(b" ");
            qname(a.prefix, a.local, out);
            out.put(b"=\"");
            escape(a.value, out, &ATTRIBUTE_SPECIAL);
            out.put(b"\"");
        }
        out.put(b">");
    }
}

fn qname(prefix: Option<&str>, local: &str, out: &mut impl Sink) {
    if let Some(p) = prefix {
        out.put(p.as_bytes());
        out.put(b":");
    }
    out.put(local.as_bytes());
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
fn escape(s: &str, out: &mut impl Sink, special: &[bool; 256]) {
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if special[usize::from(b)] {
            out.put(&bytes[run..i]);
            out.put(match b {
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
    out.put(&bytes[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_for_tests as parse;

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
