use super::*;

fn parse(bytes: &[u8]) -> Result<Document<'_>, XmlError> {
    parse_for_tests(bytes)
}

fn parse_str(s: &str) -> Result<Document<'_>, XmlError> {
    parse(s.as_bytes())
}

#[test]
fn reads_namespaces_attributes_and_text() {
    let doc = parse_str(
        r#"<?xml version="1.0" encoding="utf-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sts.windows.net/x/">
  <md:IDPSSODescriptor><md:NameIDFormat>a&amp;b</md:NameIDFormat></md:IDPSSODescriptor>
</md:EntityDescriptor>"#,
    )
    .unwrap();
    assert!(doc.root.is(ns::MD, "EntityDescriptor"));
    assert_eq!(
        doc.root.attr("entityID"),
        Some("https://sts.windows.net/x/")
    );
    let idp = doc.root.child(ns::MD, "IDPSSODescriptor").unwrap();
    assert_eq!(idp.child(ns::MD, "NameIDFormat").unwrap().text(), "a&b");
    assert!(!doc.had_bom);
}

#[test]
fn comments_do_not_truncate_text() {
    let doc = parse_str("<a>admin@contoso.com<!---->.evil</a>").unwrap();
    assert_eq!(doc.root.text(), "admin@contoso.com.evil");
    let doc = parse_str("<a>ad<![CDATA[min]]>&#64;x</a>").unwrap();
    assert_eq!(doc.root.text(), "admin@x");
}

#[test]
fn character_references_are_resolved_like_libxml2() {
    let doc = parse_str("<a b=\"x&#13;y\">p&#xd;q\r\nr</a>").unwrap();
    assert_eq!(doc.root.attr("b"), Some("x\ry"));
    assert_eq!(doc.root.text(), "p\rq\nr");
}

#[test]
fn refuses_doctype_and_entities() {
    let billion = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>"#;
    assert!(matches!(
        parse_str(billion),
        Err(XmlError::Dtd { line: 1, .. })
    ));
    let err = parse_str("<a>&custom;</a>").unwrap_err();
    assert!(
        matches!(err, XmlError::Entity { ref name, .. } if name == "custom"),
        "{err:?}"
    );
    assert!(err.is_dtd_or_entity());
    let err = parse_str("<a b=\"&custom;\"/>").unwrap_err();
    assert!(matches!(err, XmlError::Entity { .. }), "{err:?}");
}

#[test]
fn refuses_what_recover_mode_would_repair() {
    for bad in [
        "<a><b></a>",
        "<a>",
        "<a></a><b></b>",
        "<a></a>trailing",
        "<a></a><",
        "<p:a/>",
        "<a x='1' x='2'/>",
        "<a xmlns:p='urn:u' xmlns:q='urn:u' p:x='1' q:x='2'/>",
        "text only",
        "<a>&#0;</a>",
    ] {
        let err = parse_str(bad).expect_err(bad);
        assert!(
            matches!(err, XmlError::Syntax { .. } | XmlError::Empty),
            "{bad}: {err:?}"
        );
    }
    assert_eq!(parse_str("").unwrap_err(), XmlError::Empty);
}

#[test]
fn encoding_rules() {
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(b"<a>x</a>");
    let doc = parse(&with_bom).unwrap();
    assert!(doc.had_bom);
    assert_eq!(
        doc.text, "<a>x</a>",
        "the text is the document's, without the mark"
    );
    assert_eq!(doc.root.span.start, 3, "spans index the caller's bytes");
    // Found by the writers fuzz target: quick-xml skipped a second mark, libxml2 refuses it.
    assert_eq!(
        parse(b"\xEF\xBB\xBF\xEF\xBB\xBF<a/>").unwrap_err(),
        XmlError::Encoding("the document starts with two byte-order marks".into())
    );

    assert!(matches!(
        parse(b"\xFF\xFE<\0a\0/\0>\0"),
        Err(XmlError::Encoding(_))
    ));
    assert!(matches!(parse(b"<a>\xC3</a>"), Err(XmlError::Encoding(_))));
}

#[test]
fn ascii_documents_may_declare_an_ascii_superset() {
    // Plain ASCII reads the same in all of these as in UTF-8.
    for name in [
        "ISO-8859-1",
        "iso-8859-1",
        "ISO_8859-1",
        "latin1",
        "US-ASCII",
        "ascii",
    ] {
        let input = format!(r#"<?xml version="1.0" encoding="{name}"?><a b="c">d</a>"#);
        let doc = parse_str(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root.text(), "d");
    }
    // A character outside ASCII would not: refused, whether its bytes are UTF-8 or Latin-1.
    for bytes in [
        &b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a>caf\xE9</a>"[..],
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a>caf\u{e9}</a>".as_bytes(),
    ] {
        let err = parse(bytes).unwrap_err();
        assert!(matches!(err, XmlError::Encoding(_)));
        let text = err.to_string();
        assert!(
            text.starts_with("line 2, column 7:")
                && text
                    .contains("declares encoding 'ISO-8859-1' and holds a character outside ASCII"),
            "{text}"
        );
    }
    // Other encodings are refused, ASCII or not, naming what is accepted.
    for bytes in [
        &b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a/>"[..],
        &b"<?xml version='1.0' encoding='UTF-16'?><a>\xE9</a>"[..],
    ] {
        let text = parse(bytes).unwrap_err().to_string();
        assert!(
            text.contains("only UTF-8 is accepted") && text.contains("ISO-8859-1"),
            "{text}"
        );
    }
}

#[test]
fn limits_hold() {
    let deep = "<a>".repeat(100_000);
    let limits = Limits::default();
    assert!(
        matches!(parse_str(&deep), Err(XmlError::TooDeep { limit, .. }) if limit == limits.max_depth)
    );

    let attrs: String = (0..100).map(|i| format!(" a{i}='x'")).collect();
    assert!(matches!(
        parse_str(&format!("<a{attrs}/>")),
        Err(XmlError::TooManyAttributes { .. })
    ));

    let many = format!("<a>{}</a>", "<b/>".repeat(200));
    let tight = Limits {
        max_elements: 100,
        ..Limits::default()
    };
    assert!(matches!(
        parse_with_limits(many.as_bytes(), &Arena::new(), tight),
        Err(XmlError::TooManyElements { limit: 100 })
    ));
}

#[test]
fn spans_cover_whole_elements() {
    let src = "<r><k use='signing'><x/></k><k/></r>";
    let doc = parse_str(src).unwrap();
    let spans: Vec<&str> = doc
        .root
        .elements()
        .map(|e| &src[e.span.start..e.span.end])
        .collect();
    assert_eq!(spans, ["<k use='signing'><x/></k>", "<k/>"]);
    assert_eq!(doc.root.descendants().count(), 3);
}

#[test]
fn errors_say_where() {
    let err = parse_str("<a>\n  <b>\n</a>").unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("line 3"), "{message}");
}

#[test]
fn namespace_scoping() {
    let doc = parse_str(
        r#"<p:a xmlns:p="urn:one" xmlns="urn:d"><p:b xmlns:p="urn:two" p:x="1" y="2"/><c xmlns=""/><p:d/></p:a>"#,
    )
    .unwrap();
    assert!(doc.root.is("urn:one", "a"));
    let kids: Vec<&Element> = doc.root.elements().collect();
    // A redeclared prefix binds inside its element only; unprefixed attributes are in no
    // namespace whatever the default.
    assert!(kids[0].is("urn:two", "b"));
    assert_eq!(kids[0].attributes[0].namespace, Some("urn:two"));
    assert_eq!(kids[0].attributes[1].namespace, None);
    assert_eq!(kids[1].namespace, None, "xmlns=\"\" undeclares the default");
    assert!(kids[2].is("urn:one", "d"));
    let doc = parse_str(r#"<a xml:lang="en"/>"#).unwrap();
    assert_eq!(
        doc.root.attributes[0].namespace,
        Some("http://www.w3.org/XML/1998/namespace")
    );
}

#[test]
fn refuses_namespace_names_canonical_xml_refuses() {
    for (xml, uri) in [
        (r#"<a xmlns="abc"/>"#, "abc"),
        (r#"<a><b xmlns:p="../x"/></a>"#, "../x"),
        (
            r#"<a xmlns:p="http://ww&#x7f;.w3.org/"/>"#,
            r"http://ww\u{7f}.w3.org/",
        ),
        (r#"<a xmlns:p="urn:a b"/>"#, "urn:a b"),
    ] {
        let err = parse_str(xml).unwrap_err();
        assert!(
            matches!(err, XmlError::RelativeNamespace { .. }),
            "{xml}: {err:?}"
        );
        assert!(
            err.to_string()
                .contains(&format!("namespace name '{uri}' is not an absolute URI")),
            "{xml}: {err}"
        );
    }
    // Undeclaring the default namespace is not a namespace name.
    assert!(parse_str(r#"<a xmlns="urn:x"><b xmlns=""/></a>"#).is_ok());
}

#[test]
fn refuses_what_namespaces_in_xml_forbids() {
    for (xml, says) in [
        (r#"<p:a/>"#, "namespace prefix 'p' is not declared"),
        (r#"<a p:x="1"/>"#, "namespace prefix 'p' is not declared"),
        (
            r#"<a xmlns:p=""/>"#,
            "prefix 'p' is bound to an empty namespace name",
        ),
        (
            r#"<a xmlns:xmlns="urn:x"/>"#,
            "the 'xmlns' prefix cannot be declared",
        ),
        (
            r#"<a xmlns:xml="urn:x"/>"#,
            "the 'xml' prefix cannot be bound",
        ),
        (
            r#"<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>"#,
            "reserved namespace",
        ),
        (r#"<a xmlns:p="urn:x" xmlns:p="urn:y"/>"#, "declared twice"),
        (
            r#"<a xmlns:p="urn:x" xmlns:q="urn:x" p:k="1" q:k="2"/>"#,
            "appears twice",
        ),
        (r#"<a k="1" k="2"/>"#, "appears twice"),
    ] {
        let err = parse_str(xml).unwrap_err().to_string();
        assert!(err.contains(says), "{xml}: {err}");
    }
    // Namespace names are compared after references are resolved.
    let doc = parse_str(r#"<p:a xmlns:p="urn:a&amp;b"/>"#).unwrap();
    assert!(doc.root.is("urn:a&b", "a"));
}

#[test]
fn forbidden_characters_are_found_wherever_they_fall() {
    // The scan works in 64-byte chunks: try every position around the chunk boundaries,
    // including a three-byte U+FFFF split across two chunks, next to allowed characters that
    // share its first byte (U+F123) or are line ends.
    for pad in 55..=70 {
        let text = "x".repeat(pad);
        for (bad, code) in [("\u{ffff}", "U+FFFF"), ("\u{1}", "U+0001")] {
            let xml = format!("<a>{text}\u{f123}\n{bad}</a>");
            let err = parse_str(&xml).unwrap_err().to_string();
            assert!(
                err.contains(code) && err.contains("line 2, column 1"),
                "pad {pad}: {err}"
            );
        }
        assert!(
            parse_str(&format!("<a>{text}\u{f123}\t\r\n</a>")).is_ok(),
            "pad {pad}"
        );
    }
}

#[test]
fn characters_outside_xml_are_refused() {
    for (xml, says) in [
        ("<a>x\u{0}y</a>", "U+0000"),
        ("<a b=\"\u{1b}\"/>", "U+001B"),
        ("<a><!--\u{c}--></a>", "U+000C"),
        ("<a>\u{fffe}</a>", "U+FFFE"),
        ("<a>\u{ffff}</a>", "U+FFFF"),
    ] {
        let err = parse_str(xml).unwrap_err().to_string();
        assert!(
            err.contains(says) && err.contains("not allowed"),
            "{xml:?}: {err}"
        );
    }
    for xml in [
        r#"<a b="x<y"/>"#,
        r#"<a xmlns="urn:a<b"/>"#,
        r#"<a xmlns:p="<"/>"#,
    ] {
        let err = parse_str(xml).unwrap_err().to_string();
        assert!(
            err.contains("'<' inside an attribute value"),
            "{xml}: {err}"
        );
    }
    assert_eq!(
        parse_str(r#"<a b="x&lt;y>"/>"#).unwrap().root.attr("b"),
        Some("x<y>")
    );
    // Tab, line feed, carriage return and the rest of Unicode are characters.
    assert!(parse_str("<a>\t\n\r\u{e9}\u{fffd}\u{1f600}</a>").is_ok());
}

#[test]
fn refuses_what_quick_xml_would_let_through() {
    // Each is not well-formed, and libxml2 (the oracle engine) stops at it.
    for (xml, says) in [
        ("<a>x]]>y</a>", "']]>' is not allowed in text"),
        ("<a$b/>", "'a$b' is not a valid XML name"),
        ("<1a/>", "'1a' is not a valid XML name"),
        ("<a -b=\"1\"/>", "'-b' is not a valid XML name"),
        (
            "<a b:c:d=\"1\" xmlns:b=\"urn:b\"/>",
            "'c:d' is not a valid XML name",
        ),
        ("<a b=\"1\"c=\"2\"/>", "separated by white space"),
        ("<a b='1'c=\"2\"/>", "separated by white space"),
        ("<a b=\"x'y\"c=\"2\"/>", "separated by white space"),
        ("<a b=\"1\" c='x\"y'd=\"2\"/>", "separated by white space"),
        (
            "<a>a long text before the end of a section ]]></a>",
            "']]>' is not allowed in text",
        ),
        ("<a>&#x110000;</a>", "invalid character reference"),
        ("<a>x & y</a>", "not well-formed"),
    ] {
        let err = parse_str(xml).unwrap_err().to_string();
        assert!(err.contains(says), "{xml:?}: {err}");
    }
    // Line ends are normalized before attribute values are: one space for CR LF.
    let doc = parse_str("<a b=\"x\r\ny\" c='1\"'  d=\"\u{e9}\" e=\"'\"\tf='\"'/>").unwrap();
    assert_eq!(doc.root.attr("e"), Some("'"));
    assert_eq!(doc.root.attr("f"), Some("\""));
    assert_eq!(doc.root.attr("b"), Some("x y"));
    assert_eq!(doc.root.attr("c"), Some("1\""));
    assert_eq!(parse_str("<a>x\r\ny</a>").unwrap().root.text(), "x\ny");
    assert!(parse_str("<\u{e9}l\u{e9}ment xmlns:\u{e9}=\"urn:e\" \u{e9}:x-y.z=\"1\"/>").is_ok());
}

#[test]
fn declarations_and_line_ends() {
    for (xml, says) in [
        ("<?xml version=\"1.1\"?><a/>", "version=\"1.0\""),
        ("<?xml encoding=\"utf-8\"?><a/>", "takes version"),
        (
            "<?xml version=\"1.0\" standalone=\"maybe\"?><a/>",
            "standalone",
        ),
        (
            "<?xml version=\"1.0\" encoding=\"utf8\"?><a/>",
            "only UTF-8",
        ),
    ] {
        let err = parse_str(xml).unwrap_err().to_string();
        assert!(err.contains(says), "{xml}: {err}");
    }
    assert!(parse_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?><a/>").is_ok());
    let long = "n".repeat(1025);
    assert!(parse_str(&format!("<{long}/>"))
        .unwrap_err()
        .to_string()
        .contains("longer than 1024"));
    // A lone CR is a line end, in text and (as a space) in attribute values.
    let doc = parse_str("<a b=\"x\ry\">x\ry</a>").unwrap();
    assert_eq!(doc.root.attr("b"), Some("x y"));
    assert_eq!(doc.root.text(), "x\ny");
}

#[test]
fn review_findings_are_refused() {
    for (xml, says) in [
        // A reference may not bring in what the raw text may not hold.
        ("<a b=\"&#1;\"/>", "character XML does not allow"),
        ("<a b=\"&#xFFFE;\"/>", "character XML does not allow"),
        ("<a><? x?></a>", "is not an XML name"),
        ("<a><?1a?></a>", "is not an XML name"),
        ("<?xml version=\"1.0\" foo=\"x\"?><a/>", "nothing else"),
        (
            "<?xml version=\"1.0\" standalone=\"yes\" encoding=\"UTF-8\"?><a/>",
            "nothing else",
        ),
        (
            "<?xml version=\"1.0\" encoding=\"UTF-8\" encoding=\"UTF-8\"?><a/>",
            "nothing else",
        ),
        (
            "<?xml version=\"1.0\"encoding=\"UTF-8\"?><a/>",
            "nothing else",
        ),
        ("<![CDATA[]]><a/>", "outside the root"),
        ("<a/>&#32;", "outside the root"),
    ] {
        let err = parse_str(xml).unwrap_err().to_string();
        assert!(err.contains(says), "{xml:?}: {err}");
    }
    let elements: String = (0..5)
        .map(|e| {
            let decls: String = (0..52)
                .map(|i| format!(" xmlns:p{e}x{i}=\"urn:{i}\""))
                .collect();
            format!("<b{decls}/>")
        })
        .collect();
    let err = parse_str(&format!("<a>{elements}</a>"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("more than 256 namespace declarations"),
        "{err}"
    );
    // PI data loses only XML white space before it, and has its line ends normalized.
    let doc = parse_str("<a><?t \u{a0}x\r\ny?></a>").unwrap();
    assert_eq!(
        doc.root.children,
        vec![Node::Pi {
            target: "t",
            data: "\u{a0}x\ny"
        }]
    );
    assert!(parse_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><a/>").is_ok());
    assert!(parse_str("<?xml version='1.0'  standalone='no' ?><a/>").is_ok());
}

/// Whether `text` is a slice of `input` (borrowed) rather than a copy.
fn lies_in(text: &str, input: &str) -> bool {
    let start = input.as_ptr() as usize;
    let at = text.as_ptr() as usize;
    at >= start && at + text.len() <= start + input.len()
}

#[test]
fn names_values_and_text_borrow_from_the_input_unless_xml_changes_them() {
    let input = "<p:r xmlns:p=\"urn:p\" a=\"plain\" b=\"x&amp;y\" c=\"one\ttwo\">text\
                 <e>split<!-- c -->here</e><f>line\r\nend</f><g><![CDATA[c]]>d</g>\
                 <h>&#x41;&#x42;</h></p:r>";
    let arena = Arena::new();
    let doc = super::parse(input.as_bytes(), &arena).unwrap();
    let root = &doc.root;
    let borrowed = |t: &str| lies_in(t, input);
    assert!(borrowed(root.local) && borrowed(root.prefix.unwrap()));
    assert!(borrowed(root.namespace.unwrap()) && borrowed(root.ns_decls[0].uri));
    let value = |name: &str| {
        root.attributes
            .iter()
            .find(|a| a.local == name)
            .unwrap()
            .value
    };
    assert!(borrowed(value("a")) && value("a") == "plain");
    // A reference and a tab (attribute values' white space becomes spaces) change the value:
    // the arena holds those.
    assert_eq!((value("b"), value("c")), ("x&y", "one two"));
    assert!(!borrowed(value("b")) && !borrowed(value("c")));
    let Node::Text(first) = root.children[0] else {
        panic!("the root starts with text")
    };
    assert!(borrowed(first));
    let child = |name: &str| *root.elements().find(|e| e.local == name).unwrap();
    // A comment does not split a value; a normalized line end, and text joined across a
    // CDATA section or references, are the arena's.
    assert_eq!(child("e").text(), "splithere");
    assert!(
        matches!(child("e").children, [Node::Text(a), Node::Comment(_), Node::Text(b)]
        if borrowed(a) && borrowed(b))
    );
    assert!(matches!(child("f").children, [Node::Text(t)] if *t == "line\nend" && !borrowed(t)));
    assert!(matches!(child("g").children, [Node::Text(t)] if *t == "cd" && !borrowed(t)));
    assert!(matches!(child("h").children, [Node::Text("AB")]));
}

#[test]
fn text_runs_of_many_references_are_read_in_linear_time() {
    // Each reference is a piece of its own; joining them one by one into a new copy each
    // time would take time growing with the square of their number.
    let pieces = 200_000;
    let input = format!("<a>{}</a>", "&amp;x".repeat(pieces));
    let arena = Arena::new();
    let started = std::time::Instant::now();
    let doc = super::parse(input.as_bytes(), &arena).unwrap();
    assert_eq!(doc.root.text().len(), 2 * pieces);
    assert!(matches!(doc.root.children, [Node::Text(_)]));
    // Quadratic joining would copy some 40 GB here; linear reading takes milliseconds.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn ascii_names_are_judged_as_the_production_judges_them() {
    let ascii: Vec<char> = (0u8..0x80).map(char::from).collect();
    for &a in &ascii {
        assert_eq!(
            is_ncname(&a.to_string()),
            is_ncname_by_chars(&a.to_string()),
            "{a:?}"
        );
        for &b in &ascii {
            let name: String = [a, b].iter().collect();
            assert_eq!(is_ncname(&name), is_ncname_by_chars(&name), "{name:?}");
        }
    }
    assert!(is_ncname("Assertion") && is_ncname("_a-1.b") && !is_ncname("1a"));
    assert!(!is_ncname("") && !is_ncname("a:b") && is_ncname("é"));
}
