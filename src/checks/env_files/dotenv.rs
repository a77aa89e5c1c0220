//! A dotenv parser that keeps positions: every entry knows the line and column of its key and
//! the byte range of its raw value, so checks can point at the exact line and relate the
//! engine's secret matches (byte ranges) to the variable they sit in.
//!
//! The syntax is the common ground of the dotenv family (Node `dotenv`/`dotenv-expand`, Ruby
//! `dotenv`, `python-dotenv`, Docker `env_file` without its quirks): an optional `export `
//! prefix; `KEY=value` or `KEY: value`; single, double and back quotes, any of which may span
//! lines; escapes (`\n`, `\t`, `\"`, `\\`, `\$`, ...) in double quotes only; `#` comments on their
//! own line or after whitespace; `${VAR}`, `$VAR` and `$(...)` references in unquoted and
//! double-quoted values (recorded, never expanded or executed); CRLF line ends; a UTF-8 BOM.
//!
//! Bad input never fails the parse: a line that is not an assignment becomes a [`Malformed`]
//! note (line number and a fixed reason, never the line's text, which may hold a secret) and
//! parsing resumes on the next line.

use std::ops::Range;

/// How a value was quoted in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
    Back,
}

/// One `KEY=value` assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    /// The value after unquoting and unescaping (lossy UTF-8).
    pub value: String,
    /// 1-based line of the key.
    pub line: usize,
    /// 1-based column of the key, in Unicode scalar values (a BOM is not counted).
    pub column: usize,
    /// 1-based line on which the value ends (differs from `line` for multi-line values).
    pub end_line: usize,
    /// Byte range of the raw value in the file (inside the quotes, if any).
    pub value_span: Range<usize>,
    pub quote: Quote,
    /// Byte ranges in `value` that are references to other variables (`${A}`, `$A`, `$(cmd)`).
    pub references: Vec<Range<usize>>,
}

impl Entry {
    /// The value with every reference replaced by [`REFERENCE_MARK`], so later analysis can
    /// tell "literal text" from "whatever another variable holds".
    pub fn masked_value(&self) -> String {
        if self.references.is_empty() {
            return self.value.clone();
        }
        let mut out = String::with_capacity(self.value.len());
        let mut at = 0;
        for r in &self.references {
            out.push_str(&self.value[at..r.start]);
            out.push(REFERENCE_MARK);
            at = r.end;
        }
        out.push_str(&self.value[at..]);
        out
    }

    /// Whether the value is nothing but references (and whitespace): `${DB_PASSWORD}`.
    pub fn is_reference_only(&self) -> bool {
        !self.references.is_empty()
            && self
                .masked_value()
                .chars()
                .all(|c| c == REFERENCE_MARK || c.is_whitespace())
    }
}

/// Stands in for a reference in [`Entry::masked_value`]; a control character that never
/// appears in a real value.
pub const REFERENCE_MARK: char = '\u{1}';

/// A line that could not be read as an assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: usize,
    pub reason: &'static str,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dotenv {
    pub entries: Vec<Entry>,
    pub malformed: Vec<Malformed>,
}

impl Dotenv {
    /// The first entry with this key (dotenv loaders differ on duplicates; checks that need
    /// "is it set" do not care which one wins).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// Parses a dotenv file. Never fails; see [`Dotenv::malformed`].
pub fn parse(data: &[u8]) -> Dotenv {
    let mut parser = Parser {
        data,
        pos: if data.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        },
        line: 1,
        line_start: 0,
        out: Dotenv::default(),
    };
    parser.line_start = parser.pos;
    while parser.pos < data.len() {
        parser.statement();
    }
    parser.out
}

struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    out: Dotenv,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\x0c' | b'\x0b')) {
            self.pos += 1;
        }
    }

    /// Index of the end of the current physical line (the `\n` or end of data).
    fn line_end(&self) -> usize {
        memchr::memchr(b'\n', &self.data[self.pos..]).map_or(self.data.len(), |i| self.pos + i)
    }

    /// Moves to the start of the next physical line.
    fn next_line(&mut self) {
        let end = self.line_end();
        self.pos = (end + 1).min(self.data.len());
        if end < self.data.len() {
            self.line += 1;
            self.line_start = self.pos;
        }
    }

    /// Moves `pos` forward to `to`, counting the newlines passed.
    fn advance_to(&mut self, to: usize) {
        for nl in memchr::memchr_iter(b'\n', &self.data[self.pos..to]) {
            self.line += 1;
            self.line_start = self.pos + nl + 1;
        }
        self.pos = to;
    }

    fn malformed(&mut self, reason: &'static str) {
        self.out.malformed.push(Malformed {
            line: self.line,
            reason,
        });
    }

    fn column(&self, at: usize) -> usize {
        1 + self.data[self.line_start..at]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count()
    }

    /// One line (or several, for a quoted multi-line value).
    fn statement(&mut self) {
        self.skip_blanks();
        match self.peek() {
            None => return,
            Some(b'\n') => return self.next_line(),
            Some(b'#') => return self.next_line(),
            _ => {}
        }
        let exported = self.skip_export();
        let key_start = self.pos;
        let Some(key) = self.key() else {
            self.malformed("expected a variable name (letters, digits, `_`, `.`, `-`)");
            return self.next_line();
        };
        let line = self.line;
        let column = self.column(key_start);
        self.skip_blanks();
        match self.peek() {
            Some(b'=') => self.pos += 1,
            Some(b':')
                if matches!(
                    self.data.get(self.pos + 1),
                    None | Some(b' ' | b'\t' | b'\r' | b'\n')
                ) =>
            {
                self.pos += 1
            }
            // `export NAME` on its own re-exports a variable set elsewhere: nothing to record.
            None | Some(b'\n' | b'#') if exported => return self.next_line(),
            _ => {
                self.malformed("expected `=` after the variable name");
                return self.next_line();
            }
        }
        self.skip_blanks();
        let value = match self.peek() {
            Some(q @ (b'\'' | b'"' | b'`')) => self.quoted(q),
            _ => self.unquoted(),
        };
        self.out.entries.push(Entry {
            key,
            value: value.text,
            line,
            column,
            end_line: self.line,
            value_span: value.span,
            quote: value.quote,
            references: value.references,
        });
        self.next_line();
    }

    fn skip_export(&mut self) -> bool {
        let rest = &self.data[self.pos..];
        if rest.starts_with(b"export") && matches!(rest.get(6), Some(b' ' | b'\t')) {
            self.pos += 6;
            self.skip_blanks();
            true
        } else {
            false
        }
    }

    fn key(&mut self) -> Option<String> {
        let start = self.pos;
        match self.peek() {
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => self.pos += 1,
            _ => return None,
        }
        while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            self.pos += 1;
        }
        Some(String::from_utf8_lossy(&self.data[start..self.pos]).into_owned())
    }

    /// An unquoted value: up to the end of the line or a `#` that follows whitespace.
    fn unquoted(&mut self) -> Value {
        let start = self.pos;
        let end_of_line = self.line_end();
        let mut end = end_of_line;
        for i in start..end_of_line {
            if self.data[i] == b'#' && (i == start || matches!(self.data[i - 1], b' ' | b'\t')) {
                end = i;
                break;
            }
        }
        while end > start && self.data[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        self.pos = end;
        let (text, references) = decode(&self.data[start..end], Quote::None);
        Value {
            text,
            span: start..end,
            quote: Quote::None,
            references,
        }
    }

    /// A quoted value, which may span lines. An unterminated quote is reported and the rest
    /// of the line is taken as the value, so one typo does not swallow the rest of the file.
    fn quoted(&mut self, q: u8) -> Value {
        let open = self.pos;
        let content_start = open + 1;
        let Some(close) = find_closing(self.data, content_start, q) else {
            self.malformed("unterminated quoted value");
            self.pos = open;
            let mut value = self.unquoted();
            value.quote = Quote::None;
            return value;
        };
        let quote = match q {
            b'\'' => Quote::Single,
            b'"' => Quote::Double,
            _ => Quote::Back,
        };
        let (text, references) = decode(&self.data[content_start..close], quote);
        self.advance_to(close + 1);
        self.skip_blanks();
        if !matches!(self.peek(), None | Some(b'\n' | b'#')) {
            self.malformed("unexpected text after the closing quote");
        }
        Value {
            text,
            span: content_start..close,
            quote,
            references,
        }
    }
}

struct Value {
    text: String,
    span: Range<usize>,
    quote: Quote,
    references: Vec<Range<usize>>,
}

/// The position of the quote that closes a value opened just before `from`. A backslash
/// escapes the next byte in every quote style, so `\"` and `\'` never close a value.
fn find_closing(data: &[u8], from: usize, q: u8) -> Option<usize> {
    let mut i = from;
    while i < data.len() {
        match data[i] {
            b'\\' => i += 2,
            b if b == q => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Unquotes a raw value: escapes in double quotes, CRLF to LF inside multi-line values, and
/// reference ranges where the loader would interpolate (unquoted and double-quoted values).
fn decode(raw: &[u8], quote: Quote) -> (String, Vec<Range<usize>>) {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let interpolates = matches!(quote, Quote::None | Quote::Double);
    let escapes = quote == Quote::Double;
    let mut out = String::with_capacity(text.len());
    let mut references = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if escapes => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 't')) => out.push('\t'),
                Some((_, e @ ('"' | '\\' | '$' | '\'' | '`'))) => out.push(e),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '$' if interpolates => match reference_len(&text[i..]) {
                Some(len) => {
                    let start = out.len();
                    out.push_str(&text[i..i + len]);
                    references.push(start..out.len());
                    while chars.peek().is_some_and(|&(j, _)| j < i + len) {
                        chars.next();
                    }
                }
                None => out.push('$'),
            },
            c => out.push(c),
        }
    }
    (out, references)
}

/// Length of a reference starting at `s` (which starts with `$`): `${...}`, `$(...)` or
/// `$NAME`. `None` when the `$` is just a dollar sign.
fn reference_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    match bytes.get(1)? {
        b'{' => closing_bracket(bytes, b'{', b'}'),
        b'(' => closing_bracket(bytes, b'(', b')'),
        b if b.is_ascii_alphabetic() || *b == b'_' => Some(
            1 + bytes[1..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count(),
        ),
        _ => None,
    }
}

/// Length up to and including the bracket that closes the one at index 1 (nesting counted).
fn closing_bracket(bytes: &[u8], open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Entry {
        let parsed = parse(src.as_bytes());
        assert!(parsed.malformed.is_empty(), "{:?}", parsed.malformed);
        assert_eq!(parsed.entries.len(), 1, "{:?}", parsed.entries);
        parsed.entries.into_iter().next().unwrap()
    }

    #[test]
    fn plain_export_and_colon_assignments() {
        let p = parse(b"A=1\nexport B = two words \nC: three\n  D=\n");
        let kv: Vec<(&str, &str)> = p
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            kv,
            [("A", "1"), ("B", "two words"), ("C", "three"), ("D", "")]
        );
        assert_eq!(p.entries[1].line, 2);
        assert_eq!(p.entries[1].column, 8);
        assert_eq!(p.entries[3].column, 3);
    }

    #[test]
    fn comments_need_whitespace_before_them_in_unquoted_values() {
        assert_eq!(one("A=pa#ss # note").value, "pa#ss");
        assert_eq!(one("A=# only a comment").value, "");
        assert_eq!(one("A=\"x # y\" # z").value, "x # y");
        assert!(parse(b"# A=1\n   # B=2\n").entries.is_empty());
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(one(r#"A="a\nb\t\"c\" \\ \q""#).value, "a\nb\t\"c\" \\ \\q");
        assert_eq!(one(r"A='a\nb'").value, r"a\nb");
        assert_eq!(one("A=`it's`").value, "it's");
        assert_eq!(one(r"A='it\'s'").value, r"it\'s");
        assert_eq!(one(r#"A="x"   "#).quote, Quote::Double);
    }

    #[test]
    fn multi_line_quoted_values_keep_their_lines() {
        let src = "A=1\nKEY=\"-----BEGIN KEY-----\r\nabc\r\n-----END KEY-----\"\r\nB=2\r\n";
        let p = parse(src.as_bytes());
        assert!(p.malformed.is_empty(), "{:?}", p.malformed);
        let key = p.get("KEY").unwrap();
        assert_eq!(key.value, "-----BEGIN KEY-----\nabc\n-----END KEY-----");
        assert_eq!((key.line, key.end_line), (2, 4));
        let b = p.get("B").unwrap();
        assert_eq!((b.line, b.value.as_str()), (5, "2"));
    }

    #[test]
    fn value_span_points_at_the_raw_value() {
        let src = "X=1\nTOKEN = \"abc\\\"def\" # c\n";
        let e = parse(src.as_bytes()).entries.pop().unwrap();
        assert_eq!(&src[e.value_span.clone()], "abc\\\"def");
        let src = "TOKEN=plain  # c";
        let e = parse(src.as_bytes()).entries.pop().unwrap();
        assert_eq!(&src[e.value_span.clone()], "plain");
    }

    #[test]
    fn crlf_and_bom() {
        let p = parse(b"\xEF\xBB\xBFA=1\r\nB='two'\r\n");
        assert_eq!(p.entries.len(), 2);
        assert_eq!(p.entries[0].key, "A");
        assert_eq!(p.entries[0].column, 1);
        assert_eq!(p.entries[0].value, "1");
        assert_eq!(p.entries[1].value, "two");
        assert!(p.malformed.is_empty());
    }

    #[test]
    fn references_are_recorded_not_expanded() {
        let e = one("URL=postgres://app:${DB_PASS}@$HOST/db");
        assert_eq!(e.value, "postgres://app:${DB_PASS}@$HOST/db");
        assert_eq!(e.references.len(), 2);
        assert_eq!(&e.value[e.references[0].clone()], "${DB_PASS}");
        assert_eq!(&e.value[e.references[1].clone()], "$HOST");
        assert!(!e.is_reference_only());
        assert!(one("P=${DB_PASSWORD:-x}").is_reference_only());
        assert!(one("P=\"$(vault read x)\"").is_reference_only());
        assert!(one("P='${NOT_A_REF}'").references.is_empty());
        assert!(one(r#"P="\${NOT_A_REF}""#).references.is_empty());
        assert!(one("P=cost$5").references.is_empty());
    }

    #[test]
    fn malformed_lines_are_noted_and_parsing_continues() {
        let p = parse(b"GOOD=1\nthis is not valid\n=nokey\n1BAD=x\nA=\"open\nLATER=2\n");
        let lines: Vec<usize> = p.malformed.iter().map(|m| m.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        let keys: Vec<&str> = p.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["GOOD", "A", "LATER"]);
        assert_eq!(p.get("A").unwrap().value, "\"open");
        assert_eq!(p.get("LATER").unwrap().line, 6);
    }

    #[test]
    fn text_after_closing_quote_is_malformed_but_kept() {
        let p = parse(b"A=\"x\"y\nB=1\n");
        assert_eq!(
            p.malformed,
            [Malformed {
                line: 1,
                reason: "unexpected text after the closing quote"
            }]
        );
        assert_eq!(p.entries.len(), 2);
    }

    #[test]
    fn bare_export_is_not_an_error() {
        let p = parse(b"export PATH\nexport A=1\n");
        assert!(p.malformed.is_empty());
        assert_eq!(p.entries.len(), 1);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 7u64;
        for _ in 0..2000 {
            let len = (seed % 64) as usize;
            let table = b"AZ_=\"'`\\$#{}()\n\r \xEF\xBB\xBF\xff:e";
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    table[(seed % table.len() as u64) as usize]
                })
                .collect();
            let p = parse(&bytes);
            for e in &p.entries {
                assert!(e.value_span.end <= bytes.len());
                let _ = e.masked_value();
            }
        }
    }
}
