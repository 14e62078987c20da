//! The owned element tree that [`super::parse`] builds. It keeps what exclusive
//! canonicalization needs (prefixes, namespace declarations, comments, processing
//! instructions), so signatures are verified over the very tree the claims are read from.

use std::sync::Arc;

/// Byte range of an element in the input, from `<` of its start tag to `>` of its end tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub namespace: Option<Arc<str>>,
    pub prefix: Option<Arc<str>>,
    pub local: Arc<str>,
    /// The normalized value (references resolved, whitespace characters turned into spaces).
    pub value: String,
}

/// A namespace declaration on an element: `xmlns="uri"` (prefix `None`) or `xmlns:p="uri"`.
/// `xmlns=""` is kept with an empty URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsDecl {
    pub prefix: Option<Arc<str>>,
    pub uri: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    /// Character data; adjacent text, CDATA and references are merged.
    Text(String),
    /// A comment: never part of [`Element::text`], so it cannot split or end a value.
    Comment(String),
    /// A processing instruction.
    Pi {
        target: String,
        data: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub namespace: Option<Arc<str>>,
    pub local: Arc<str>,
    pub prefix: Option<Arc<str>>,
    /// The namespace declarations written on this element.
    pub ns_decls: Vec<NsDecl>,
    /// Attributes other than namespace declarations, in document order.
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
    pub span: Span,
}

impl Element {
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

    pub(super) fn push_text(&mut self, content: &str) {
        if content.is_empty() {
            return;
        }
        if let Some(Node::Text(last)) = self.children.last_mut() {
            last.push_str(content);
        } else {
            self.children.push(Node::Text(content.to_owned()));
        }
    }

    /// Child elements in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements named `{ns}local`.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.is(ns, local))
    }

    /// The first child element named `{ns}local`.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(ns, local))
    }

    /// Every descendant element (not the element itself), depth first in document order.
    pub fn descendants(&self) -> Descendants<'_> {
        let mut stack = Vec::with_capacity(16);
        stack.push(self.children.iter());
        Descendants { stack }
    }

    /// The value of the attribute `local` that has no namespace.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_none() && &*a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The value of the attribute `{ns}local`.
    pub fn attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.as_deref() == Some(ns) && &*a.local == local)
            .map(|a| a.value.as_str())
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
pub struct Descendants<'a> {
    stack: Vec<std::slice::Iter<'a, Node>>,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = &'a Element;

    fn next(&mut self) -> Option<&'a Element> {
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
