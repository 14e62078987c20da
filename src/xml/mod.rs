//! Hardened XML reading: a strict, namespace-aware parse into a small tree that borrows from
//! its input.
//!
//! Every document samlbridge reads (metadata, responses) goes through [`parse`] before anything
//! else looks at it. It refuses DTDs (and with them every entity other than the five predefined
//! ones), requires UTF-8 (or plain ASCII declared as US-ASCII or ISO-8859-1), enforces nesting and attribute limits, and rejects what libxml2's
//! recover mode would silently repair (missing end tags, trailing garbage, several roots), so
//! the signature library and this tree always see the same document.

mod ids;
mod tree;
mod uri;

pub use ids::IdCensus;
pub use tree::{Arena, Attribute, Element, Node, NsDecl, Span};

use quick_xml::events::{BytesDecl, BytesPI, BytesStart, BytesText, Event};
use quick_xml::name::{PrefixDeclaration, QName};
use std::borrow::Cow;
use std::fmt;

/// Namespace URIs used across the crate.
pub mod ns {
    pub const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
    pub const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
    pub const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
    pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
    pub const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
    pub const FED: &str = "http://docs.oasis-open.org/wsfed/federation/200706";
    pub const AUTH: &str = "http://docs.oasis-open.org/wsfed/authorization/200706";
    pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
    pub const WSA: &str = "http://www.w3.org/2005/08/addressing";
}

/// Structural limits applied while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting accepted (the root is depth 1).
    pub max_depth: usize,
    /// Most attributes accepted on one element (namespace declarations included).
    pub max_attributes: usize,
    /// Most elements accepted in one document.
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // SAML documents nest about 8 deep and Entra metadata about 10; an order of magnitude
        // of headroom still stops pathological inputs long before they cost anything.
        Limits {
            max_depth: 64,
            max_attributes: 64,
            max_elements: 100_000,
        }
    }
}

/// A parsed document: its root element and how it was encoded.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    pub root: Element<'a>,
    /// The input started with a UTF-8 byte-order mark (stripped before parsing).
    pub had_bom: bool,
    /// The document's text: the input, without its byte-order mark.
    pub text: &'a str,
    /// Where the content no signature can cover lies, in document order: every comment
    /// (canonicalization without comments leaves them out) and every processing instruction
    /// outside the root element.
    pub unsigned: Vec<Span>,
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlError {
    /// The document declares a DTD (`<!DOCTYPE …>`): never parsed, whatever it contains.
    Dtd { line: usize, column: usize },
    /// A reference to an entity other than the five XML predefines.
    Entity {
        name: String,
        line: usize,
        column: usize,
    },
    /// Not UTF-8 (another byte-order mark, a declared encoding, or invalid bytes).
    Encoding(String),
    /// The input holds no element at all.
    Empty,
    /// Not well-formed XML.
    Syntax {
        message: String,
        line: usize,
        column: usize,
    },
    /// A namespace name that is not an absolute URI: well-formed, but canonical XML (and so
    /// every signature check) refuses the document.
    RelativeNamespace {
        uri: String,
        line: usize,
        column: usize,
    },
    /// Nesting deeper than [`Limits::max_depth`].
    TooDeep {
        limit: usize,
        line: usize,
        column: usize,
    },
    /// More attributes on one element than [`Limits::max_attributes`].
    TooManyAttributes {
        limit: usize,
        line: usize,
        column: usize,
    },
    /// More elements than [`Limits::max_elements`].
    TooManyElements { limit: usize },
}

impl XmlError {
    /// Hostile constructs that get a finding of their own rather than a parse failure.
    pub fn is_dtd_or_entity(&self) -> bool {
        matches!(self, XmlError::Dtd { .. } | XmlError::Entity { .. })
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlError::Dtd { line, column } => write!(
                f,
                "line {line}, column {column}: the document declares a DTD (<!DOCTYPE>); DTDs and entities are refused"
            ),
            XmlError::Entity { name, line, column } => write!(
                f,
                "line {line}, column {column}: reference to entity '&{name};', which is not one of XML's predefined entities"
            ),
            XmlError::Encoding(message) => write!(f, "{message}"),
            XmlError::Empty => write!(f, "no XML element found"),
            XmlError::Syntax { message, line, column } => {
                write!(f, "line {line}, column {column}: not well-formed XML: {message}")
            }
            XmlError::RelativeNamespace { uri, line, column } => write!(
                f,
                "line {line}, column {column}: namespace name '{}' is not an absolute URI; canonical XML refuses such documents, so no signature in them can be checked",
                uri.escape_debug()
            ),
            XmlError::TooDeep { limit, line, column } => write!(
                f,
                "line {line}, column {column}: elements nest deeper than {limit} levels"
            ),
            XmlError::TooManyAttributes { limit, line, column } => write!(
                f,
                "line {line}, column {column}: an element carries more than {limit} attributes"
            ),
            XmlError::TooManyElements { limit } => {
                write!(f, "the document holds more than {limit} elements")
            }
        }
    }
}

impl std::error::Error for XmlError {}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Splits off a UTF-8 byte-order mark, refusing other encodings' marks.
pub fn strip_bom(bytes: &[u8]) -> Result<(&[u8], bool), XmlError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        // A second mark is a character before the XML declaration: libxml2 refuses it, and
        // quick-xml would skip it silently, so two parsers would read two documents.
        if rest.starts_with(UTF8_BOM) {
            return Err(XmlError::Encoding(
                "the document starts with two byte-order marks".into(),
            ));
        }
        return Ok((rest, true));
    }
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") {
        return Err(XmlError::Encoding(
            "the document is UTF-16 encoded; only UTF-8 is accepted (SAML and AWS both expect UTF-8)"
                .into(),
        ));
    }
    Ok((bytes, false))
}

/// Encodings whose first 128 characters are ASCII, which samlbridge reads when a document
/// declares one but is all ASCII: its bytes then mean the same in UTF-8, so every parser reads
/// the same characters and canonicalization (UTF-8 by definition) the same bytes. Each is one
/// libxml2 reads whatever it was built with.
const ASCII_SUPERSETS: [&str; 5] = ["US-ASCII", "ASCII", "ISO-8859-1", "ISO_8859-1", "latin1"];

fn ascii_superset_note() -> &'static str {
    "or, for a document that is plain ASCII, US-ASCII or ISO-8859-1; SAML and AWS expect UTF-8"
}

/// A document that declares `encoding`, one of [`ASCII_SUPERSETS`], holds a byte outside ASCII
/// at `at`: the bytes would read differently as UTF-8, so it is refused.
fn outside_ascii(encoding: &str, bytes: &[u8], at: usize) -> XmlError {
    let (line, column) = line_column(bytes, at);
    XmlError::Encoding(format!(
        "line {line}, column {column}: the document declares encoding '{encoding}' and holds a character outside ASCII; samlbridge reads a document that declares '{encoding}' only when it is plain ASCII (SAML and AWS expect UTF-8)"
    ))
}

/// The encoding an XML declaration at the start of `bytes` names, read leniently: only to word
/// the refusal of bytes that are not UTF-8.
fn declared_encoding(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(256)];
    let decl = head.strip_prefix(b"<?xml")?;
    let decl = &decl[..decl.windows(2).position(|w| w == b"?>")?];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = decl[at + 8..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, rest) = rest.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let end = rest.iter().position(|&b| b == quote)?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// Parses `bytes` strictly with the default [`Limits`], into `arena`.
pub fn parse<'a>(bytes: &'a [u8], arena: &'a Arena) -> Result<Document<'a>, XmlError> {
    parse_with_limits(bytes, arena, Limits::default())
}

/// [`parse`] into an arena that lives as long as the test process: tests hold documents
/// without an arena of their own beside each.
#[cfg(test)]
pub(crate) fn parse_for_tests(bytes: &[u8]) -> Result<Document<'_>, XmlError> {
    parse(bytes, Box::leak(Box::new(Arena::new())))
}

/// Parses `bytes` strictly, into `arena`.
pub fn parse_with_limits<'a>(
    bytes: &'a [u8],
    arena: &'a Arena,
    limits: Limits,
) -> Result<Document<'a>, XmlError> {
    let (body, had_bom) = strip_bom(bytes)?;
    let text = std::str::from_utf8(body).map_err(|e| match declared_encoding(body) {
        Some(name) if !name.eq_ignore_ascii_case("utf-8") => {
            if ASCII_SUPERSETS.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                outside_ascii(name, body, e.valid_up_to())
            } else {
                XmlError::Encoding(format!(
                    "the document declares encoding '{name}'; only UTF-8 is accepted ({})",
                    ascii_superset_note()
                ))
            }
        }
        _ => {
            let (line, column) = line_column(body, e.valid_up_to());
            XmlError::Encoding(format!(
                "line {line}, column {column}: the document is not valid UTF-8"
            ))
        }
    })?;
    if let Some(at) = forbidden_character(body) {
        let (line, column) = line_column(body, at);
        let c = text[at..].chars().next().unwrap_or_default();
        return Err(XmlError::Syntax {
            message: format!("character U+{:04X} is not allowed in XML", u32::from(c)),
            line,
            column,
        });
    }
    let offset = if had_bom { UTF8_BOM.len() } else { 0 };
    let mut builder = Builder::new(text, arena, limits, offset);
    let root = builder.run()?;
    Ok(Document {
        root,
        had_bom,
        text,
        unsigned: builder.unsigned,
    })
}

/// Where the first character outside XML 1.0's `Char` production is, in valid UTF-8: C0
/// controls other than tab, line feed and carriage return, and U+FFFE / U+FFFF. Parsers
/// differ on these (quick-xml keeps them, libxml2 stops or repairs), so none is accepted.
fn forbidden_character(utf8: &[u8]) -> Option<usize> {
    const CHUNK: usize = 64;
    // Every input byte passes here: a branch-free test per chunk (which the compiler
    // vectorizes) finds the chunks worth a closer look.
    let suspect = |b: u8| (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') | (b == 0xEF);
    utf8.chunks(CHUNK).enumerate().find_map(|(n, chunk)| {
        if !chunk.iter().fold(false, |hit, &b| hit | suspect(b)) {
            return None;
        }
        let start = n * CHUNK;
        (start..start + chunk.len()).find(|&i| {
            let b = utf8[i];
            let control = b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r');
            let nonchar = b == 0xEF
                && utf8.get(i + 1) == Some(&0xBF)
                && matches!(utf8.get(i + 2), Some(0xBE | 0xBF));
            control || nonchar
        })
    })
}

/// 1-based line and column of byte `offset` in `bytes`.
pub fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// `xml:` is bound in every document; `xmlns:` may never be declared.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// A namespace binding in scope: prefix (`None` for the default namespace) and URI (`None`
/// after `xmlns=""` undeclares the default).
struct Binding<'a> {
    prefix: Option<&'a str>,
    uri: Option<&'a str>,
}

/// Entra's responses declare about five namespaces and its metadata about ten; canonicalization
/// looks every one up per element, so their number is bounded.
const MAX_NS_DECLARATIONS: usize = 256;

/// SAML's longest names are a few dozen characters; libxml2 stops at 50,000.
const MAX_NAME_BYTES: usize = 1024;

/// The character data read since the last node: text, CDATA sections and references next to
/// each other make one text node.
enum TextRun<'a> {
    Empty,
    /// One piece, as it stands in the input.
    One(&'a str),
    /// Several pieces, or one XML's rules changed: [`Builder::joined`] holds them.
    Joined,
}

struct Builder<'a> {
    text: &'a str,
    arena: &'a Arena,
    reader: quick_xml::Reader<&'a [u8]>,
    limits: Limits,
    /// Added to every span so spans index the caller's bytes (before the BOM was stripped).
    offset: usize,
    /// The open elements, innermost last, each with where its children start in `nodes`.
    stack: Vec<(Element<'a>, usize)>,
    /// The children of the open elements so far, in document order: each element's go to the
    /// arena as one slice when it closes.
    nodes: Vec<Node<'a>>,
    run: TextRun<'a>,
    joined: String,
    root: Option<Element<'a>>,
    elements: usize,
    /// Namespace bindings in scope, innermost last; `marks[i]` is where the bindings of the
    /// i-th open element start.
    bindings: Vec<Binding<'a>>,
    marks: Vec<usize>,
    /// Namespace declarations so far.
    declarations: usize,
    /// Namespace URIs found absolute so far.
    namespaces: Vec<&'a str>,
    /// A start tag's declarations, attributes other than declarations (names still to be
    /// resolved) and resolved attributes: reused from one start tag to the next.
    decls: Vec<NsDecl<'a>>,
    raw: Vec<(&'a str, &'a str)>,
    attributes: Vec<Attribute<'a>>,
    /// See [`Document::unsigned`].
    unsigned: Vec<Span>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, arena: &'a Arena, limits: Limits, offset: usize) -> Self {
        let mut reader = quick_xml::Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_unmatched_ends = false;
        config.expand_empty_elements = false;
        config.trim_text_start = false;
        config.trim_text_end = false;
        Builder {
            text,
            arena,
            reader,
            limits,
            offset,
            stack: Vec::new(),
            nodes: Vec::new(),
            run: TextRun::Empty,
            joined: String::new(),
            root: None,
            elements: 0,
            bindings: Vec::new(),
            marks: Vec::new(),
            declarations: 0,
            namespaces: Vec::new(),
            decls: Vec::new(),
            raw: Vec::new(),
            attributes: Vec::new(),
            unsigned: Vec::new(),
        }
    }

    fn position(&self, at: usize) -> (usize, usize) {
        line_column(self.text.as_bytes(), at)
    }

    fn syntax(&self, at: usize, message: impl Into<String>) -> XmlError {
        let (line, column) = self.position(at);
        XmlError::Syntax {
            message: message.into(),
            line,
            column,
        }
    }

    /// `part` as the piece of the input it is, when it is one: quick-xml hands out pieces of
    /// the input it reads from a string, so names, values and text borrow instead of copying.
    fn in_input(&self, part: &[u8]) -> Option<&'a str> {
        let at = (part.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        self.text
            .get(at..at.saturating_add(part.len()))
            .filter(|in_input| std::ptr::eq(in_input.as_ptr(), part.as_ptr()))
    }

    /// `part` from the input, or a copy in the arena when quick-xml had to change it.
    fn kept(&self, part: &str) -> &'a str {
        self.in_input(part.as_bytes())
            .unwrap_or_else(|| self.arena.str(part))
    }

    fn run(&mut self) -> Result<Element<'a>, XmlError> {
        let mut seen_decl = false;
        loop {
            let start = self.reader.buffer_position() as usize;
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let at = self.reader.error_position() as usize;
                    return Err(self.syntax(at, e.to_string()));
                }
            };
            let end = self.reader.buffer_position() as usize;
            if !matches!(
                event,
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
            ) {
                self.end_text();
            }
            match event {
                Event::Decl(decl) => {
                    if seen_decl || start != 0 {
                        return Err(
                            self.syntax(start, "XML declaration not at the start of the document")
                        );
                    }
                    seen_decl = true;
                    self.declaration(&decl, start)?;
                }
                Event::DocType(_) => {
                    let (line, column) = self.position(start);
                    return Err(XmlError::Dtd { line, column });
                }
                Event::Start(e) => {
                    let element = self.open(&e, start, end)?;
                    self.stack.push((element, self.nodes.len()));
                }
                Event::Empty(e) => {
                    let mut element = self.open(&e, start, end)?;
                    element.span.end = end + self.offset;
                    self.close(element, start)?;
                }
                Event::End(_) => {
                    let (mut element, first_child) = self
                        .stack
                        .pop()
                        .ok_or_else(|| self.syntax(start, "end tag without a start tag"))?;
                    element.children = self.arena.slice(&self.nodes[first_child..]);
                    self.nodes.truncate(first_child);
                    element.span.end = end + self.offset;
                    self.close(element, start)?;
                }
                Event::Text(t) => {
                    if memchr::memmem::find(&t, b"]]>").is_some() {
                        return Err(self.syntax(start, "']]>' is not allowed in text"));
                    }
                    // Text with no carriage return is the input as it stands.
                    let content = match self.in_input(&t) {
                        Some(as_read) if memchr::memchr(b'\r', &t).is_none() => {
                            Cow::Borrowed(as_read)
                        }
                        _ => t
                            .xml10_content()
                            .map_err(|e| self.syntax(start, e.to_string()))?,
                    };
                    self.text(content, start)?;
                }
                // Outside the root only white space may stand, never a CDATA section or a
                // reference, whatever they hold.
                Event::CData(_) | Event::GeneralRef(_) if self.stack.is_empty() => {
                    return Err(self.syntax(start, "text outside the root element"));
                }
                Event::CData(t) => {
                    let content = t
                        .xml10_content()
                        .map_err(|e| self.syntax(start, e.to_string()))?;
                    self.text(content, start)?;
                }
                Event::GeneralRef(r) => {
                    let resolved = self.reference(&r, start)?;
                    self.text(Cow::Owned(resolved), start)?;
                }
                // Comments are kept as nodes of their own, so they never split or end text:
                // `a<!---->b` reads as `ab`.
                Event::Comment(c) => self.comment(&c, start, end)?,
                Event::PI(pi) => self.processing_instruction(&pi, start, end)?,
                Event::Eof => break,
            }
        }
        if let Some((open, _)) = self.stack.last() {
            let at = self.text.len();
            let message = format!("end of input inside element <{}>", open.qualified_name());
            return Err(self.syntax(at, message));
        }
        self.root.take().ok_or(XmlError::Empty)
    }

    /// Checks the XML declaration: XML 1.0 only (1.1 reads line ends and control characters
    /// differently), standalone yes or no, and UTF-8 (or an ASCII superset over plain ASCII):
    /// what every parser agrees on.
    fn declaration(&self, decl: &BytesDecl<'_>, start: usize) -> Result<(), XmlError> {
        if !declaration_well_formed(decl) {
            return Err(self.syntax(
                start,
                "the XML declaration takes version, then optionally encoding, then standalone, nothing else",
            ));
        }
        match decl.version() {
            Ok(v) if v.as_ref() == b"1.0" => {}
            _ => return Err(self.syntax(start, "the XML declaration must say version=\"1.0\"")),
        }
        if let Some(standalone) = decl.standalone() {
            if !matches!(standalone.as_deref(), Ok(b"yes" | b"no")) {
                return Err(self.syntax(start, "standalone must be \"yes\" or \"no\""));
            }
        }
        if let Some(encoding) = decl.encoding() {
            let name = encoding
                .map(|e| String::from_utf8_lossy(&e).into_owned())
                .unwrap_or_default();
            if !name.eq_ignore_ascii_case("utf-8") {
                if !ASCII_SUPERSETS
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(&name))
                {
                    return Err(XmlError::Encoding(format!(
                        "the document declares encoding '{name}'; only UTF-8 is accepted ({})",
                        ascii_superset_note()
                    )));
                }
                if let Some(at) = self.text.bytes().position(|b| !b.is_ascii()) {
                    return Err(outside_ascii(&name, self.text.as_bytes(), at));
                }
            }
        }
        Ok(())
    }

    /// Comments are kept as nodes of their own, so they never split or end text: `a<!---->b`
    /// reads as `ab`.
    fn comment(&mut self, c: &BytesText<'_>, start: usize, end: usize) -> Result<(), XmlError> {
        let content = c
            .xml10_content()
            .map_err(|e| self.syntax(start, e.to_string()))?;
        self.unsigned.push(Span {
            start: start + self.offset,
            end: end + self.offset,
        });
        if !self.stack.is_empty() {
            let content = self.kept(&content);
            self.nodes.push(Node::Comment(content));
        }
        Ok(())
    }

    fn processing_instruction(
        &mut self,
        pi: &BytesPI<'_>,
        start: usize,
        end: usize,
    ) -> Result<(), XmlError> {
        let target = String::from_utf8_lossy(pi.target()).into_owned();
        if target.eq_ignore_ascii_case("xml") {
            return Err(self.syntax(start, "misplaced XML declaration"));
        }
        if !is_ncname(&target) {
            return Err(self.syntax(
                start,
                format!("processing instruction target '{target}' is not an XML name"),
            ));
        }
        // Only XML's white space separates target and data; line ends are normalized as
        // everywhere else.
        let data = String::from_utf8_lossy(pi.content())
            .trim_start_matches([' ', '\t', '\r', '\n'])
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        if self.stack.is_empty() {
            self.unsigned.push(Span {
                start: start + self.offset,
                end: end + self.offset,
            });
        } else {
            let (target, data) = (self.arena.str(&target), self.arena.str(&data));
            self.nodes.push(Node::Pi { target, data });
        }
        Ok(())
    }

    fn reference(
        &self,
        r: &quick_xml::events::BytesRef<'_>,
        at: usize,
    ) -> Result<String, XmlError> {
        if r.is_char_ref() {
            return match r.resolve_char_ref() {
                Ok(Some(c)) if is_xml_char(c) => Ok(c.to_string()),
                Ok(_) | Err(_) => Err(self.syntax(at, "invalid character reference")),
            };
        }
        let name = r.decode().map_err(|e| self.syntax(at, e.to_string()))?;
        match quick_xml::escape::resolve_predefined_entity(&name) {
            Some(value) => Ok(value.to_string()),
            None => {
                let (line, column) = self.position(at);
                Err(XmlError::Entity {
                    name: name.into_owned(),
                    line,
                    column,
                })
            }
        }
    }

    /// Character data: added to the text run inside an element; outside the root only white
    /// space is allowed.
    fn text(&mut self, content: Cow<'_, str>, at: usize) -> Result<(), XmlError> {
        if self.stack.is_empty() {
            return if content.chars().all(is_xml_space) {
                Ok(())
            } else {
                Err(self.syntax(at, "text outside the root element"))
            };
        }
        if content.is_empty() {
            return Ok(());
        }
        let as_read = match &content {
            Cow::Borrowed(part) => self.in_input(part.as_bytes()),
            Cow::Owned(_) => None,
        };
        self.run = match (&self.run, as_read) {
            (TextRun::Empty, Some(part)) => TextRun::One(part),
            (TextRun::Empty, None) => {
                self.joined.clear();
                self.joined.push_str(&content);
                TextRun::Joined
            }
            (TextRun::One(first), _) => {
                self.joined.clear();
                self.joined.push_str(first);
                self.joined.push_str(&content);
                TextRun::Joined
            }
            (TextRun::Joined, _) => {
                self.joined.push_str(&content);
                TextRun::Joined
            }
        };
        Ok(())
    }

    /// Places the text run read so far (if any) as a node of the open element.
    fn end_text(&mut self) {
        let text = match std::mem::replace(&mut self.run, TextRun::Empty) {
            TextRun::Empty => return,
            TextRun::One(part) => part,
            TextRun::Joined => self.arena.str(&self.joined),
        };
        self.nodes.push(Node::Text(text));
    }

    /// An element or attribute name or prefix, checked against XML's `NCName` production.
    fn name(&self, bytes: &[u8], at: usize) -> Result<&'a str, XmlError> {
        if bytes.len() > MAX_NAME_BYTES {
            return Err(self.syntax(at, format!("a name is longer than {MAX_NAME_BYTES} bytes")));
        }
        let name = match self.in_input(bytes) {
            Some(name) => Some(name),
            None => std::str::from_utf8(bytes).ok().map(|n| self.arena.str(n)),
        };
        match name.filter(|n| is_ncname(n)) {
            Some(name) => Ok(name),
            None => Err(self.syntax(
                at,
                format!(
                    "'{}' is not a valid XML name",
                    String::from_utf8_lossy(bytes)
                ),
            )),
        }
    }

    /// A namespace URI, checked to be absolute (or empty, undeclaring the default) when first
    /// seen: a document declares the same few over and over.
    fn namespace(&mut self, uri: &'a str, at: usize) -> Result<&'a str, XmlError> {
        if self.namespaces.contains(&uri) {
            return Ok(uri);
        }
        if !uri.is_empty() && !uri::is_absolute(uri) {
            let (line, column) = self.position(at);
            return Err(XmlError::RelativeNamespace {
                uri: uri.to_owned(),
                line,
                column,
            });
        }
        self.namespaces.push(uri);
        Ok(uri)
    }

    /// The URI bound to `prefix` (`None`: the default namespace); `Err` for an undeclared
    /// prefix.
    fn resolve(&self, prefix: Option<&[u8]>, at: usize) -> Result<Option<&'a str>, XmlError> {
        if prefix == Some(b"xml") {
            return Ok(Some(XML_NS));
        }
        let bound = self
            .bindings
            .iter()
            .rev()
            .find(|b| b.prefix.map(str::as_bytes) == prefix);
        match (bound, prefix) {
            (Some(b), _) => Ok(b.uri),
            (None, None) => Ok(None),
            (None, Some(p)) => Err(self.syntax(
                at,
                format!(
                    "namespace prefix '{}' is not declared",
                    String::from_utf8_lossy(p)
                ),
            )),
        }
    }

    /// Records a namespace declaration of the start tag being read, refusing what Namespaces
    /// in XML 1.0 forbids.
    fn declare(&mut self, prefix: Option<&[u8]>, uri: &'a str, at: usize) -> Result<(), XmlError> {
        let prefix = prefix.map(|p| self.name(p, at)).transpose()?;
        if self.decls.iter().any(|d| d.prefix == prefix) {
            return Err(self.syntax(at, "a namespace prefix is declared twice in one element"));
        }
        let refuse = match prefix {
            Some("xmlns") => Some("the 'xmlns' prefix cannot be declared".to_owned()),
            Some("xml") if uri != XML_NS => {
                Some(format!("the 'xml' prefix cannot be bound to '{uri}'"))
            }
            Some(p) if p != "xml" && (uri == XML_NS || uri == XMLNS_NS) => Some(format!(
                "prefix '{p}' cannot be bound to the reserved namespace '{uri}'"
            )),
            Some(p) if uri.is_empty() => {
                Some(format!("prefix '{p}' is bound to an empty namespace name"))
            }
            None if uri == XML_NS || uri == XMLNS_NS => Some(format!(
                "the default namespace cannot be the reserved namespace '{uri}'"
            )),
            _ => None,
        };
        if let Some(message) = refuse {
            return Err(self.syntax(at, message));
        }
        self.declarations += 1;
        if self.declarations > MAX_NS_DECLARATIONS {
            return Err(self.syntax(
                at,
                format!("more than {MAX_NS_DECLARATIONS} namespace declarations in one document"),
            ));
        }
        let uri = self.namespace(uri, at)?;
        self.bindings.push(Binding {
            prefix,
            uri: (!uri.is_empty()).then_some(uri),
        });
        self.decls.push(NsDecl { prefix, uri });
        Ok(())
    }

    fn open(
        &mut self,
        e: &BytesStart<'_>,
        start: usize,
        end: usize,
    ) -> Result<Element<'a>, XmlError> {
        self.count_element(start)?;
        if !attributes_separated(e.attributes_raw()) {
            return Err(self.syntax(start, "attributes must be separated by white space"));
        }
        // Declarations first: they are in scope for the element's own name and attributes.
        self.marks.push(self.bindings.len());
        self.read_attributes(e, start)?;

        let name = e.name();
        let namespace = self.resolve(name.prefix().map(|p| p.into_inner()), start)?;
        let local = self.name(name.local_name().as_ref(), start)?;
        let prefix = name
            .prefix()
            .map(|p| self.name(p.as_ref(), start))
            .transpose()?;
        self.resolve_attributes(start)?;

        let element = Element {
            namespace,
            local,
            prefix,
            ns_decls: self.arena.slice(&self.decls),
            attributes: self.arena.slice(&self.attributes),
            children: &[],
            span: Span {
                start: start + self.offset,
                end: end + self.offset,
            },
        };
        self.decls.clear();
        self.attributes.clear();
        Ok(element)
    }

    /// Counts a new element against the limits: one root, nesting depth, element count.
    fn count_element(&mut self, start: usize) -> Result<(), XmlError> {
        if self.root.is_some() {
            return Err(self.syntax(start, "more than one root element"));
        }
        let depth = self.stack.len() + 1;
        if depth > self.limits.max_depth {
            let (line, column) = self.position(start);
            return Err(XmlError::TooDeep {
                limit: self.limits.max_depth,
                line,
                column,
            });
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(XmlError::TooManyElements {
                limit: self.limits.max_elements,
            });
        }
        Ok(())
    }

    /// Reads a start tag's attributes: namespace declarations are declared (into `decls`), the
    /// others kept in `raw` with their values normalized, their names still to be resolved.
    fn read_attributes(&mut self, e: &BytesStart<'_>, start: usize) -> Result<(), XmlError> {
        self.decls.clear();
        self.raw.clear();
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| self.syntax(start, err.to_string()))?;
            // XML forbids a literal '<' in attribute values; libxml2 stops there, quick-xml
            // would not.
            let special = |b: u8| matches!(b, b'<' | b'&' | b'\t' | b'\n' | b'\r');
            let plain = !attr.value.iter().any(|&b| special(b));
            if !plain && memchr::memchr(b'<', &attr.value).is_some() {
                return Err(self.syntax(start, "'<' inside an attribute value"));
            }
            let has_reference = !plain && memchr::memchr(b'&', &attr.value).is_some();
            if self.raw.len() + self.decls.len() >= self.limits.max_attributes {
                let (line, column) = self.position(start);
                return Err(XmlError::TooManyAttributes {
                    limit: self.limits.max_attributes,
                    line,
                    column,
                });
            }
            // A value with no reference and no white space but spaces is the input as it stands.
            let as_read = if plain {
                self.in_input(&attr.value)
            } else {
                None
            };
            let value = match as_read.map_or_else(
                || attr.normalized_value(quick_xml::XmlVersion::Implicit1_0),
                |v| Ok(Cow::Borrowed(v)),
            ) {
                Ok(v) => v,
                Err(quick_xml::Error::Escape(
                    quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                )) => {
                    let (line, column) = self.position(start);
                    return Err(XmlError::Entity { name, line, column });
                }
                Err(err) => return Err(self.syntax(start, err.to_string())),
            };
            // The raw bytes held only XML characters; a reference must not bring in others.
            if has_reference && !value.chars().all(is_xml_char) {
                return Err(self.syntax(
                    start,
                    "an attribute value refers to a character XML does not allow",
                ));
            }
            let value = self.kept(&value);
            match attr.key.as_namespace_binding() {
                Some(PrefixDeclaration::Default) => self.declare(None, value, start)?,
                Some(PrefixDeclaration::Named(p)) => self.declare(Some(p), value, start)?,
                None => {
                    // quick-xml reads names out of the input; a key from anywhere else is
                    // refused rather than guessed at.
                    let key = self
                        .in_input(attr.key.as_ref())
                        .ok_or_else(|| self.syntax(start, "an attribute name outside the input"))?;
                    self.raw.push((key, value));
                }
            }
        }
        Ok(())
    }

    /// Resolves the names of the start tag's attributes in `raw` into `attributes`, each name
    /// once per element.
    fn resolve_attributes(&mut self, start: usize) -> Result<(), XmlError> {
        self.attributes.clear();
        for i in 0..self.raw.len() {
            let (key, value) = self.raw[i];
            let key = QName(key.as_bytes());
            let attr_prefix = key.prefix().map(|p| p.into_inner());
            // Unprefixed attributes are in no namespace, whatever the default namespace.
            let attr_ns = match attr_prefix {
                Some(p) => self.resolve(Some(p), start)?,
                None => None,
            };
            let attr_local = self.name(key.local_name().into_inner(), start)?;
            if attr_local.is_empty() {
                return Err(self.syntax(start, "empty attribute name"));
            }
            if self
                .attributes
                .iter()
                .any(|a| a.local == attr_local && a.namespace == attr_ns)
            {
                return Err(self.syntax(
                    start,
                    format!("attribute '{attr_local}' appears twice in one element"),
                ));
            }
            let prefix = attr_prefix.map(|p| self.name(p, start)).transpose()?;
            self.attributes.push(Attribute {
                namespace: attr_ns,
                prefix,
                local: attr_local,
                value,
            });
        }
        Ok(())
    }

    /// Places a finished element (its children in place) under its parent, or as the root.
    fn close(&mut self, element: Element<'a>, at: usize) -> Result<(), XmlError> {
        let mark = self.marks.pop().unwrap_or(0);
        self.bindings.truncate(mark);
        if !self.stack.is_empty() {
            self.nodes.push(Node::Element(element));
            Ok(())
        } else if self.root.is_none() {
            self.root = Some(element);
            Ok(())
        } else {
            Err(self.syntax(at, "more than one root element"))
        }
    }
}

/// XML 1.0's `NameStartChar`, without ':' (Namespaces in XML's `NCName`).
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

/// Namespaces in XML's `NCName`: an XML name without ':' (also the form of an `xs:ID`).
pub fn is_ncname(name: &str) -> bool {
    // Nearly every name is ASCII, where the production is two classes of bytes.
    let bytes = name.as_bytes();
    let Some((&first, rest)) = bytes.split_first() else {
        return false;
    };
    if NAME_BYTES[usize::from(first)] & NAME_START != 0
        && rest
            .iter()
            .all(|&b| NAME_BYTES[usize::from(b)] & NAME_CHAR != 0)
    {
        return true;
    }
    !name.is_ascii() && is_ncname_by_chars(name)
}

const NAME_START: u8 = 1;
const NAME_CHAR: u8 = 2;

/// For each ASCII byte, whether it may start an `NCName` and whether it may stand in one;
/// no byte past ASCII is either here (those names take the character-by-character way).
const NAME_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let start = c.is_ascii_alphabetic() || c == b'_';
        let more = start || c.is_ascii_digit() || c == b'-' || c == b'.';
        table[b] = (start as u8 * NAME_START) | (more as u8 * NAME_CHAR);
        b += 1;
    }
    table
};

/// [`is_ncname`] character by character, as the production is written.
fn is_ncname_by_chars(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start)
        && chars.all(|c| {
            is_name_start(c)
                || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
        })
}

/// Whether `id` is an `xs:ID` every verifier indexes: an `NCName` by XML 1.0's current rules
/// and by the first edition's character classes, which libxml2 (and so libxmlsec1) still
/// applies to IDs. The two differ only outside ASCII (U+F900, U+FEFF and many more pass the
/// first and not the second); a name only one of them accepts would let two verifiers judge
/// one response differently, so it is refused.
pub fn is_id(id: &str) -> bool {
    is_ncname(id) && (id.is_ascii() || libxml2_accepts_ncname(id))
}

fn libxml2_accepts_ncname(name: &str) -> bool {
    // libxml2 is linked through samael; xmlValidateNCName reads only the string.
    extern "C" {
        fn xmlValidateNCName(
            value: *const std::ffi::c_uchar,
            space: std::ffi::c_int,
        ) -> std::ffi::c_int;
    }
    let Ok(c) = std::ffi::CString::new(name) else {
        return false;
    };
    // SAFETY: `c` is a NUL-terminated string that outlives the call, which only reads it
    // and returns 0 for a valid name.
    unsafe { xmlValidateNCName(c.as_ptr().cast(), 0) == 0 }
}

/// The XML declaration's pseudo-attributes: `version`, then optionally `encoding`, then
/// optionally `standalone`, each once, separated by white space.
fn declaration_well_formed(decl: &quick_xml::events::BytesDecl<'_>) -> bool {
    let Some(rest) = decl.strip_prefix(b"xml") else {
        return false;
    };
    let mut names = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let start = i;
        while i < rest.len() && rest[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == rest.len() {
            break;
        }
        if i == start {
            return false;
        }
        let name_start = i;
        while i < rest.len() && rest[i].is_ascii_alphabetic() {
            i += 1;
        }
        names.push(&rest[name_start..i]);
        while i < rest.len() && rest[i].is_ascii_whitespace() {
            i += 1;
        }
        if rest.get(i) != Some(&b'=') {
            return false;
        }
        i += 1;
        while i < rest.len() && rest[i].is_ascii_whitespace() {
            i += 1;
        }
        let Some(&q @ (b'"' | b'\'')) = rest.get(i) else {
            return false;
        };
        let Some(close) = rest[i + 1..].iter().position(|&b| b == q) else {
            return false;
        };
        i += close + 2;
    }
    let allowed: [&[u8]; 3] = [b"version", b"encoding", b"standalone"];
    let mut last = None;
    names.first() == Some(&&b"version"[..])
        && names.iter().all(|n| {
            let at = allowed.iter().position(|a| a == n);
            let in_order = at.is_some() && at > last;
            last = at;
            in_order
        })
}

/// False when an attribute value's closing quote is directly followed by another attribute
/// (`a="1"b="2"`): not well-formed, though quick-xml reads it.
fn attributes_separated(raw: &[u8]) -> bool {
    let mut i = 0;
    while let Some(open) = memchr::memchr2(b'"', b'\'', &raw[i..]) {
        let quote = raw[i + open];
        i += open + 1;
        let Some(close) = memchr::memchr(quote, &raw[i..]) else {
            return true;
        };
        i += close + 1;
        if raw.get(i).is_some_and(|b| !b.is_ascii_whitespace()) {
            return false;
        }
    }
    true
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// The XML 1.0 `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests;
