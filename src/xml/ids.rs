//! The `ID` attributes of a document, counted once for every check that needs them.

use super::{is_id, Element};
use std::collections::HashMap;

/// Every `ID` attribute in a tree. Signature references resolve by ID: an ID on two elements
/// lets a verifier and a reader pick different ones, and an ID that is not an XML name is
/// indexed by some verifiers and not by others.
#[derive(Debug, Clone, Default)]
pub struct IdCensus<'a> {
    counts: HashMap<&'a str, usize>,
    /// IDs on more than one element, each once, in the order their second element comes.
    repeated: Vec<&'a str>,
}

impl<'a> IdCensus<'a> {
    /// Counts the IDs of `root` and its descendants.
    pub fn of(root: &'a Element) -> Self {
        let mut census = IdCensus::default();
        for e in std::iter::once(root).chain(root.descendants()) {
            if let Some(id) = e.attr("ID") {
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
        let doc = crate::xml::parse(
            br#"<r ID="a"><x ID="b"/><y ID="b"/><z ID="a"/><w ID="1x"/><v ID="b"/></r>"#,
        )
        .unwrap();
        let census = IdCensus::of(&doc.root);
        assert_eq!(census.repeated(), ["b", "a"]);
        assert_eq!(census.invalid(), ["1x"]);
    }
}
