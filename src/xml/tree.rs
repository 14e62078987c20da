//! The element tree that [`super::parse`] builds. It keeps what exclusive canonicalization
//! needs (prefixes, namespace declarations, comments, processing instructions), so signatures
//! are verified over the very tree the claims are read from.
//!
//! The tree lives in an [`Arena`], one per document: names, values and text borrow from the
//! parsed input, and what XML's rules change (a resolved reference, a normalized line end or
//! attribute white space, text joined across a CDATA section) and the lists of children,
//! attributes and declarations are placed in the arena. Nothing in the tree owns memory, so
//! building it costs a few allocations of the arena's and dropping it one free of each.

/// Where a document's tree lives: dropped with everything parsed into it.
#[derive(Default)]
pub struct Arena(bumpalo::Bump);

impl Arena {
    pub fn new() -> Self {
        Arena::default()
    }

    /// A copy of `text` in the arena.
    pub(crate) fn str(&self, text: &str) -> &str {
        self.0.alloc_str(text)
    }

    /// A copy of `items` in the arena.
    pub(crate) fn slice<T: Copy>(&self, items: &[T]) -> &[T] {
        if items.is_empty() {
            return &[];
        }
        self.0.alloc_slice_copy(items)
    }
}

impl std::fmt::Debug for Arena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Arena({} bytes)", self.0.allocated_bytes())
    }
}

/// Byte range of an element in the input, from `<` of its start tag to `>` of its end tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    pub namespace: Option<&'a str>,
    pub prefix: Option<&'a str>,
    pub local: &'a str,
    /// The normalized value (references resolved, whitespace characters turned into spaces).
    pub value: &'a str,
}

/// A namespace declaration on an element: `xmlns="uri"` (prefix `None`) or `xmlns:p="uri"`.
/// `xmlns=""` is kept with an empty URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NsDecl<'a> {
    pub prefix: Option<&'a str>,
    pub uri: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node<'a> {
    Element(Element<'a>),
    /// Character data; adjacent text, CDATA and references are merged.
    Text(&'a str),
    /// A comment: never part of [`Element::text`], so it cannot split or end a value.
    Comment(&'a str),
    /// A processing instruction.
    Pi {
        target: &'a str,
        data: &'a str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    pub namespace: Option<&'a str>,
    pub local: &'a str,
    pub prefix: Option<&'a str>,
    /// The namespace declarations written on this element.
    pub ns_decls: &'a [NsDecl<'a>],
    /// Attributes other than namespace declarations, in document order.
    pub attributes: &'a [Attribute<'a>],
    pub children: &'a [Node<'a>],
    pub span: Span,
}

impl<'a> Element<'a> {
    /// `prefix:local` as written in the document.
    pub fn qualified_name(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.local),
            None => self.local.to_string(),
        }
    }

    /// True when the element has namespace `ns` and local name `local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.namespace == Some(ns)
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
            .find(|a| a.namespace.is_none() && a.local == local)
            .map(|a| a.value)
    }

    /// The value of the attribute `{ns}local`.
    pub fn attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace == Some(ns) && a.local == local)
            .map(|a| a.value)
    }

    /// The element's own character data (direct text children), comments ignored.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for node in self.children {
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
