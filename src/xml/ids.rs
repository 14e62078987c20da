//! The `ID` attributes of a document, counted once for every check that needs them.

use super::{is_id, Element, XML_NS};
use std::collections::HashMap;

/// Every ID in a tree: SAML's `ID` attributes and `xml:id`, which libxml2 indexes as an ID in
/// every document. Signature references resolve by ID: an ID on two elements (or twice on one,
/// as `ID` and `xml:id`) lets a verifier and a reader pick different ones, and an ID that is
/// not an XML name is indexed by some verifiers and not by others.
#[derive(Debug, Clone, Default)]
pub struct IdCensus<'a> {
    counts: HashMap<&'a str, usize>,
    /// IDs on more than one element, each once, in the order their second element comes.
    repeated: Vec<&'a str>,
}

impl<'a> IdCensus<'a> {
    /// Counts the IDs of `root` and its descendants.
    pub fn of(root: &'a Element<'_>) -> Self {
        let mut census = IdCensus::default();
        for e in std::iter::once(root).chain(root.descendants()) {
            for a in e.attributes {
                let is_id = match a.namespace {
                    None => a.local == "ID",
                    Some(ns) => ns == XML_NS && a.local == "id",
                };
                if !is_id {
                    continue;
                }
                let id = a.value;
                let count = census.counts.entry(id).or_default();
                *count += 1;
                if *count == 2 {
                    census.repeated.push(id);
                }
            }
        }
        census
    }

    /// IDs on more than one element, in the order their second element comes in the document.
    pub fn repeated(&self) -> &[&'a str] {
        &self.repeated
    }

    /// IDs that are not `xs:ID`s every verifier indexes (see [`is_id`]), sorted.
    pub fn invalid(&self) -> Vec<&'a str> {
        let mut invalid: Vec<&str> = self
            .counts
            .keys()
            .filter(|id| !is_id(id))
            .copied()
            .collect();
        invalid.sort_unstable();
        invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_id_once_and_names_repeats_in_document_order() {
        let doc = crate::xml::parse_for_tests(
            br#"<r ID="a"><x ID="b"/><y ID="b"/><z ID="a"/><w ID="1x"/><v ID="b"/></r>"#,
        )
        .unwrap();
        let census = IdCensus::of(&doc.root);
        assert_eq!(census.repeated(), ["b", "a"]);
        assert_eq!(census.invalid(), ["1x"]);
    }

    #[test]
    fn xml_id_is_an_id_too() {
        let doc = crate::xml::parse_for_tests(
            br#"<r ID="a"><x xml:id="a"/><y ID="b" xml:id="b"/><z xml:id="c"/><w p:id="a" xmlns:p="urn:p" id="a" Id="a"/></r>"#,
        )
        .unwrap();
        let census = IdCensus::of(&doc.root);
        assert_eq!(
            census.repeated(),
            ["a", "b"],
            "other id attributes are not IDs"
        );
        let doc = crate::xml::parse_for_tests(br#"<r xml:id="1x"/>"#).unwrap();
        assert_eq!(IdCensus::of(&doc.root).invalid(), ["1x"]);
    }
}
