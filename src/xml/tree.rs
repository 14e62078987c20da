//! The element tree that [`super::parse`] builds. It keeps what exclusive canonicalization
//! needs (prefixes, namespace declarations, comments, processing instructions), so signatures
//! are verified over the very tree the claims are read from.
//!
//! Names, values and text borrow from the parsed input; only what XML's rules change (a
//! resolved reference, a normalized line end or attribute white space, text split by a comment
//! or a CDATA section) is a copy of its own. [`Document::into_owned`](super::Document::into_owned)
//! detaches a tree from its input.

use std::borrow::Cow;

/// Byte range of an element in the input, from `<` of its start tag to `>` of its end tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'a> {
    pub namespace: Option<Cow<'a, str>>,
    pub prefix: Option<Cow<'a, str>>,
    pub local: Cow<'a, str>,
    /// The normalized value (references resolved, whitespace characters turned into spaces).
    pub value: Cow<'a, str>,
}

/// A namespace declaration on an element: `xmlns="uri"` (prefix `None`) or `xmlns:p="uri"`.
/// `xmlns=""` is kept with an empty URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsDecl<'a> {
    pub prefix: Option<Cow<'a, str>>,
    pub uri: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    Element(Element<'a>),
    /// Character data; adjacent text, CDATA and references are merged.
    Text(Cow<'a, str>),
    /// A comment: never part of [`Element::text`], so it cannot split or end a value.
    Comment(Cow<'a, str>),
    /// A processing instruction.
    Pi {
        target: Cow<'a, str>,
        data: Cow<'a, str>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    pub namespace: Option<Cow<'a, str>>,
    pub local: Cow<'a, str>,
    pub prefix: Option<Cow<'a, str>>,
    /// The namespace declarations written on this element.
    pub ns_decls: Vec<NsDecl<'a>>,
    /// Attributes other than namespace declarations, in document order.
    pub attributes: Vec<Attribute<'a>>,
    pub children: Vec<Node<'a>>,
    pub span: Span,
}

impl NsDecl<'_> {
    /// A copy that no longer borrows the input.
    pub fn to_detached(&self) -> NsDecl<'static> {
        NsDecl {
            prefix: self.prefix.as_deref().map(|p| Cow::Owned(p.to_owned())),
            uri: Cow::Owned(self.uri.to_string()),
        }
    }
}

/// A copy of `text` that no longer borrows the input.
fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

impl Attribute<'_> {
    fn into_owned(self) -> Attribute<'static> {
        Attribute {
            namespace: self.namespace.map(owned),
            prefix: self.prefix.map(owned),
            local: owned(self.local),
            value: owned(self.value),
        }
    }
}

impl Node<'_> {
    fn into_owned(self) -> Node<'static> {
        match self {
            Node::Element(e) => Node::Element(e.into_owned()),
            Node::Text(t) => Node::Text(owned(t)),
            Node::Comment(c) => Node::Comment(owned(c)),
            Node::Pi { target, data } => Node::Pi {
                target: owned(target),
                data: owned(data),
            },
        }
    }
}

impl<'a> Element<'a> {
    /// The element and everything below it, detached from the input it was parsed from.
    pub fn into_owned(self) -> Element<'static> {
        Element {
            namespace: self.namespace.map(owned),
            local: owned(self.local),
            prefix: self.prefix.map(owned),
            ns_decls: self
                .ns_decls
                .into_iter()
                .map(|d| NsDecl {
                    prefix: d.prefix.map(owned),
                    uri: owned(d.uri),
                })
                .collect(),
            attributes: self
                .attributes
                .into_iter()
                .map(Attribute::into_owned)
                .collect(),
            children: self.children.into_iter().map(Node::into_owned).collect(),
            span: self.span,
        }
    }

    /// `prefix:local` as written in the document.
    pub fn qualified_name(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.local),
            None => self.local.to_string(),
        }
    }

    /// True when the element has namespace `ns` and local name `local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        &*self.local == local && self.namespace.as_deref() == Some(ns)
    }

    /// Adds character data, merged with the text before it (a copy only then).
    pub(super) fn push_text(&mut self, content: Cow<'a, str>) {
        if content.is_empty() {
            return;
        }
        if let Some(Node::Text(last)) = self.children.last_mut() {
            last.to_mut().push_str(&content);
        } else {
            self.children.push(Node::Text(content));
        }
    }

    /// Child elements in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element<'a>> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements named `{ns}local`.
    pub fn children_named<'s>(
        &'s self,
        ns: &'s str,
        local: &'s str,
    ) -> impl Iterator<Item = &'s Element<'a>> + 's {
        self.elements().filter(move |e| e.is(ns, local))
    }

    /// The first child element named `{ns}local`.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element<'a>> {
        self.elements().find(|e| e.is(ns, local))
    }

    /// Every descendant element (not the element itself), depth first in document order.
    pub fn descendants(&self) -> Descendants<'_, 'a> {
        let mut stack = Vec::with_capacity(16);
        stack.push(self.children.iter());
        Descendants { stack }
    }

    /// The value of the attribute `local` that has no namespace.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_none() && &*a.local == local)
            .map(|a| &*a.value)
    }

    /// The value of the attribute `{ns}local`.
    pub fn attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.as_deref() == Some(ns) && &*a.local == local)
            .map(|a| &*a.value)
    }

    /// The element's own character data (direct text children), comments ignored.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for node in &self.children {
            if let Node::Text(t) = node {
                out.push_str(t);
            }
        }
        out
    }

    /// [`Element::text`] with leading and trailing XML whitespace removed.
    pub fn trimmed_text(&self) -> String {
        self.text()
            .trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
            .to_owned()
    }

    /// True when the element has child elements as well as non-whitespace text, or only
    /// elements: i.e. it is not a simple text value.
    pub fn has_element_children(&self) -> bool {
        self.elements().next().is_some()
    }
}

/// Iterator behind [`Element::descendants`].
pub struct Descendants<'s, 'a> {
    stack: Vec<std::slice::Iter<'s, Node<'a>>>,
}

impl<'s, 'a> Iterator for Descendants<'s, 'a> {
    type Item = &'s Element<'a>;

    fn next(&mut self) -> Option<&'s Element<'a>> {
        loop {
            let top = self.stack.last_mut()?;
            match top.next() {
                Some(Node::Element(e)) => {
                    self.stack.push(e.children.iter());
                    return Some(e);
                }
                Some(_) => {}
                None => {
                    self.stack.pop();
                }
            }
        }
    }
}
