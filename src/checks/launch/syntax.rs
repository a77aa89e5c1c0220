//! Source code as a syntax tree (tree-sitter), with the few questions the launch checks ask
//! of it: which calls are made and on what, what an object literal or keyword argument says,
//! what a string literal holds, which function a node sits in. A regex over code guesses
//! (`origin: true` inside a comment, a string, another object); the tree does not.
//!
//! Decision: one TypeScript grammar family for all JavaScript. The TSX grammar reads plain
//! JavaScript and JSX as well as TSX, and the TypeScript grammar reads `.ts` (where `<T>x`
//! casts are not JSX); tree-sitter-javascript would only add build time. Python has its own
//! grammar. Parsing is error-tolerant: a file with a syntax error still yields the parts that
//! parse.

use std::cell::OnceCell;
use std::collections::HashMap;
use tree_sitter::{Node, Parser, Tree};

/// The grammars the launch checks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `.ts`, `.mts`, `.cts`.
    TypeScript,
    /// `.tsx`, and all JavaScript (`.js`, `.jsx`, `.mjs`, `.cjs`).
    Tsx,
    Python,
}

impl Language {
    pub fn is_script(self) -> bool {
        matches!(self, Language::TypeScript | Language::Tsx)
    }
}

/// Parses `text` into a syntax tree; `None` only when the grammar cannot be loaded or the
/// parser gives up. The tree is owned by the caller and read through a [`Code`].
pub fn parse(text: &str, language: Language) -> Option<Tree> {
    let grammar: tree_sitter::Language = match language {
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
    };
    let mut parser = Parser::new();
    parser.set_language(&grammar).ok()?;
    parser.parse(text, None)
}

/// A parsed file: its text, its tree, and every node of the tree in document order.
///
/// Why the list: every family asks for the calls, the objects, the assignments... of the whole
/// file, a dozen questions per file. Walking the tree with a cursor for each made the walks,
/// not the parse, the launch checks' largest cost (about 30% of a files-only scan of polar);
/// one walk into a list costs a fraction of that. The list is indexed by kind, because some
/// questions are asked once per identifier ([`Code::resolve`] looks for the declarations of
/// each name a log call writes): filtering every node each time made those files quadratic
/// (two seconds for one 500 KB bundle).
pub struct Code<'a> {
    pub text: &'a str,
    pub language: Language,
    root: Node<'a>,
    all: Vec<Node<'a>>,
    /// The places in `all` of the nodes of each kind, in document order (a kind asked once per
    /// node: tree-sitter looks it up in a table).
    by_kind: HashMap<&'a str, Vec<usize>>,
    /// Every declaration [`Code::resolve`] reads, by the name it assigns: (where the
    /// declaration starts, its value), in document order. Built on the first `resolve`, once:
    /// looking through every declaration for each name a log call writes made the log checks
    /// quadratic in the file's declarations.
    declared: OnceCell<HashMap<&'a str, Vec<(usize, Node<'a>)>>>,
}

impl<'a> Code<'a> {
    /// `tree` must be the parse of `text` in `language` ([`parse`]).
    pub fn new(text: &'a str, tree: &'a Tree, language: Language) -> Code<'a> {
        let root = tree.root_node();
        let mut all = Vec::new();
        let mut cursor = root.walk();
        'walk: loop {
            all.push(cursor.node());
            if cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    continue 'walk;
                }
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        // Grouped by kind id first (a number the node holds), then named once per id: asking
        // each node its kind's name, and hashing that name, cost more than the walk.
        let mut by_id: Vec<Vec<usize>> = Vec::new();
        for (place, node) in all.iter().enumerate() {
            let id = usize::from(node.kind_id());
            if by_id.len() <= id {
                by_id.resize_with(id + 1, Vec::new);
            }
            by_id[id].push(place);
        }
        let mut by_kind: HashMap<&'a str, Vec<usize>> = HashMap::new();
        let mut merged = Vec::new();
        for places in by_id {
            let Some(&first) = places.first() else {
                continue;
            };
            // The kind is a function of the id: the first node's names them all.
            let kind = all[first].kind();
            match by_kind.entry(kind) {
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(places);
                }
                // Several ids may share a name (an alias): one list, in document order.
                std::collections::hash_map::Entry::Occupied(mut entry) => {
                    entry.get_mut().extend(places);
                    merged.push(kind);
                }
            }
        }
        for kind in merged {
            if let Some(places) = by_kind.get_mut(kind) {
                places.sort_unstable();
            }
        }
        Code {
            text,
            language,
            root,
            all,
            by_kind,
            declared: OnceCell::new(),
        }
    }

    /// A parse kept for the rest of the test process (tests only).
    #[cfg(test)]
    pub fn new_for_test(text: &'a str, language: Language) -> Code<'a> {
        let tree = Box::leak(Box::new(parse(text, language).expect("test code parses")));
        Code::new(text, tree, language)
    }

    pub fn root(&self) -> Node<'a> {
        self.root
    }

    /// The source text of `node`.
    pub fn text(&self, node: Node<'_>) -> &'a str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// Every node of one of `kinds`, in document order (for the tree's whole lifetime, so the
    /// per-name index of [`Code::resolve`] can keep them).
    pub fn nodes(&self, kinds: &[&str]) -> Vec<Node<'a>> {
        let mut places: Vec<usize> = Vec::new();
        let mut lists = 0;
        for (i, kind) in kinds.iter().enumerate() {
            if kinds[..i].contains(kind) {
                continue;
            }
            if let Some(list) = self.by_kind.get(kind) {
                places.extend_from_slice(list);
                lists += 1;
            }
        }
        if lists > 1 {
            places.sort_unstable();
        }
        places.into_iter().map(|place| self.all[place]).collect()
    }

    /// Every call (`call_expression` in scripts, `call` in Python), in document order.
    pub fn calls(&self) -> Vec<Node<'_>> {
        self.nodes(&["call_expression", "call", "new_expression"])
    }

    /// What a call calls, as written without whitespace: `app.use`, `res.cookie`, `cors`,
    /// `CORSMiddleware`, `stripe.webhooks.constructEvent`, `hmac.compare_digest`.
    pub fn callee(&self, call: Node<'_>) -> String {
        let function = call
            .child_by_field_name("function")
            .or_else(|| call.child_by_field_name("constructor"));
        function.map_or_else(String::new, |f| squash(self.text(f)))
    }

    /// The argument nodes of a call (positional and keyword, comments left out).
    pub fn arguments<'t>(&self, call: Node<'t>) -> Vec<Node<'t>> {
        let Some(list) = call.child_by_field_name("arguments") else {
            return Vec::new();
        };
        let mut cursor = list.walk();
        list.named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .collect()
    }

    /// A Python call's keyword argument `name=...`: its value.
    pub fn keyword_argument<'t>(&self, call: Node<'t>, name: &str) -> Option<Node<'t>> {
        self.arguments(call).into_iter().find_map(|arg| {
            (arg.kind() == "keyword_argument"
                && arg
                    .child_by_field_name("name")
                    .is_some_and(|n| self.text(n) == name))
            .then(|| arg.child_by_field_name("value"))
            .flatten()
        })
    }

    /// The value of the property `name` of a JavaScript object literal (`{ name: value }`,
    /// `{ 'name': value }`, or the shorthand `{ name }`, whose value is the identifier itself);
    /// the last one wins, as at run time. For a Python dict (`{"name": value}`) the same.
    pub fn property<'t>(&self, object: Node<'t>, name: &str) -> Option<Node<'t>> {
        let mut cursor = object.walk();
        let mut found = None;
        for child in object.named_children(&mut cursor) {
            match child.kind() {
                "pair" => {
                    let key = child.child_by_field_name("key");
                    if key.is_some_and(|k| self.key_name(k).as_deref() == Some(name)) {
                        found = child.child_by_field_name("value");
                    }
                }
                "shorthand_property_identifier" if self.text(child) == name => {
                    found = Some(child);
                }
                _ => {}
            }
        }
        found
    }

    /// The name a property key spells: an identifier, or a string literal's contents.
    pub fn key_name(&self, key: Node<'_>) -> Option<String> {
        match key.kind() {
            "property_identifier" | "identifier" | "shorthand_property_identifier" => {
                Some(self.text(key).to_string())
            }
            _ => self.string_value(key),
        }
    }

    /// The contents of a string literal (quotes removed, no interpolation), or `None` when
    /// `node` is not a plain string (a template with `${}`, an f-string with fields, a
    /// concatenation).
    pub fn string_value(&self, node: Node<'_>) -> Option<String> {
        match node.kind() {
            // A Python f-string's `{field}` or a JS template's `${x}`: not a plain string.
            "string" | "template_string" => {
                let mut cursor = node.walk();
                let interpolated = node
                    .named_children(&mut cursor)
                    .any(|c| matches!(c.kind(), "interpolation" | "template_substitution"));
                (!interpolated).then(|| strip_quotes(self.text(node)).to_string())
            }
            "concatenated_string" => {
                let mut cursor = node.walk();
                let mut out = String::new();
                for part in node.named_children(&mut cursor) {
                    out.push_str(&self.string_value(part)?);
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// Whether `node` is the literal `true` (`True` in Python).
    pub fn is_true(&self, node: Node<'_>) -> bool {
        node.kind() == "true"
    }

    /// Whether `node` is the literal `false` (`False` in Python).
    pub fn is_false(&self, node: Node<'_>) -> bool {
        node.kind() == "false"
    }

    /// The innermost function (declaration, expression, arrow, method; Python `def` or
    /// `lambda`) around `node`.
    pub fn enclosing_function<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        let mut at = node.parent();
        while let Some(n) = at {
            if is_function(n.kind()) {
                return Some(n);
            }
            at = n.parent();
        }
        None
    }

    /// Whether `node` sits inside `outer` (or is it).
    pub fn contains(outer: Node<'_>, node: Node<'_>) -> bool {
        outer.start_byte() <= node.start_byte() && node.end_byte() <= outer.end_byte()
    }

    /// What an identifier stands for when this file gives it a value (`const options = {...}`,
    /// Python `options = {...}`, at any level): the value of the last such declaration before
    /// `node`, or else of the first one after it. Any other node, or a name the file never
    /// assigns, is returned as it is. One step only (`a = b` gives `b`), so it cannot loop.
    /// TypeScript's `x as const`, `x satisfies T`, `<T>x`, `x!` and parentheses are seen
    /// through.
    pub fn resolve<'t>(&'t self, node: Node<'t>) -> Node<'t> {
        let node = unwrap_type(node);
        if node.kind() != "identifier" {
            return node;
        }
        let name = self.text(node);
        let mut before = None;
        let mut after = None;
        for &(start, value) in self.declared().get(name).map_or(&[][..], Vec::as_slice) {
            if start < node.start_byte() {
                before = Some(value);
            } else if after.is_none() {
                after = Some(value);
            }
        }
        unwrap_type(before.or(after).unwrap_or(node))
    }

    /// The declarations [`Code::resolve`] reads (see `declared`): `variable_declarator` and
    /// `assignment` nodes whose target is an identifier and which have a value.
    fn declared(&self) -> &HashMap<&'a str, Vec<(usize, Node<'a>)>> {
        self.declared.get_or_init(|| {
            let mut declared: HashMap<&'a str, Vec<(usize, Node<'a>)>> = HashMap::new();
            for declaration in self.nodes(&["variable_declarator", "assignment"]) {
                let Some((target, value)) = target_and_value(declaration) else {
                    continue;
                };
                if target.kind() != "identifier" {
                    continue;
                }
                declared
                    .entry(self.text(target))
                    .or_default()
                    .push((declaration.start_byte(), value));
            }
            declared
        })
    }
}

/// What a `variable_declarator` or an `assignment` assigns to, and its value (when it has both).
fn target_and_value(declaration: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    let (target, value) = match declaration.kind() {
        "variable_declarator" => ("name", "value"),
        _ => ("left", "right"),
    };
    Some((
        declaration.child_by_field_name(target)?,
        declaration.child_by_field_name(value)?,
    ))
}

/// Every descendant of `root` (itself included) of one of `kinds`, in document order.
pub fn descendants<'t>(root: Node<'t>, kinds: &[&str]) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        if kinds.contains(&node.kind()) {
            out.push(node);
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    out
}

/// `node` without the TypeScript wrappers that do not change its value (`as`, `satisfies`,
/// `<T>`, `!`, parentheses).
pub fn unwrap_type(node: Node<'_>) -> Node<'_> {
    let mut node = node;
    while matches!(
        node.kind(),
        "as_expression"
            | "satisfies_expression"
            | "type_assertion"
            | "non_null_expression"
            | "parenthesized_expression"
    ) {
        let mut cursor = node.walk();
        let Some(inner) = node
            .named_children(&mut cursor)
            .find(|c| !c.kind().contains("type") && c.kind() != "comment")
        else {
            break;
        };
        node = inner;
    }
    node
}

/// Node kinds that are functions in either grammar.
pub fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "function_expression"
            | "function"
            | "arrow_function"
            | "method_definition"
            | "generator_function_declaration"
            | "generator_function"
            | "function_definition"
            | "lambda"
    )
}

/// `text` without whitespace (a callee split over lines reads the same).
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `text` without whitespace and at most 80 characters: how messages and fingerprint cases name
/// a piece of code (an expression, both sides of a comparison).
pub fn short(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .take(80)
        .collect()
}

/// A literal's contents: Python prefixes (`r`, `b`, `f`, `u`) and one layer of matching
/// quotes (`'`, `"`, `` ` ``, triple quotes) removed.
fn strip_quotes(text: &str) -> &str {
    let text = text.trim_start_matches(['r', 'b', 'u', 'f', 'R', 'B', 'U', 'F']);
    for quote in ["\"\"\"", "'''", "\"", "'", "`"] {
        if text.len() >= 2 * quote.len() && text.starts_with(quote) && text.ends_with(quote) {
            return &text[quote.len()..text.len() - quote.len()];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Code with declarations, reassignments, shadowing, destructuring, Python assignments,
    /// aliased node kinds (`property_identifier`, `shorthand_property_identifier`) and errors.
    const INDEXED: &[(&str, Language)] = &[
        (
            "const a = 1; let b = a; a = { x: 2 }; function f(a) { const a2 = a; return a2 }\n\
             var { headers, cookies: jar } = req; const o = { headers, a }; b = a; a = b;\n\
             const c = (a as const); const d = a!; x.y = a; const a = 3; class K { m() {} }\n\
             let broken = ; const e = f(a, b, c) +;",
            Language::TypeScript,
        ),
        (
            "const App = () => <div a={b}>{c}</div>; const b = 1; let c = b; c = <A/>;",
            Language::Tsx,
        ),
        (
            "a = 1\nb = a\na, c = 2, 3\nx.y = a\ndef f(a):\n    a = b\n    return a\nb = [a for a in c]\n",
            Language::Python,
        ),
    ];

    /// `resolve` through the per-name index finds what a look through every declaration found.
    #[test]
    fn resolving_through_the_index_finds_what_the_whole_look_found() {
        fn resolve_by_looking<'t>(code: &'t Code<'_>, node: Node<'t>) -> Node<'t> {
            let node = unwrap_type(node);
            if node.kind() != "identifier" {
                return node;
            }
            let name = code.text(node);
            let (mut before, mut after) = (None, None);
            for declaration in code.nodes(&["variable_declarator", "assignment"]) {
                let Some((target, value)) = target_and_value(declaration) else {
                    continue;
                };
                if target.kind() != "identifier" || code.text(target) != name {
                    continue;
                }
                if declaration.start_byte() < node.start_byte() {
                    before = Some(value);
                } else if after.is_none() {
                    after = Some(value);
                }
            }
            unwrap_type(before.or(after).unwrap_or(node))
        }
        for (text, language) in INDEXED {
            let code = Code::new_for_test(text, *language);
            let mut resolved = 0;
            for node in code.all.iter().copied() {
                let fast = code.resolve(node);
                assert_eq!(fast, resolve_by_looking(&code, node), "{text}");
                resolved += usize::from(fast != node);
            }
            assert!(resolved > 3, "the snippets must resolve names: {text}");
        }
    }

    /// The nodes of each kind, grouped by kind id and named once per id, are the nodes whose
    /// `kind()` is that name, in document order.
    #[test]
    fn nodes_by_kind_are_the_nodes_of_that_kind() {
        for (text, language) in INDEXED {
            let code = Code::new_for_test(text, *language);
            let mut naive: HashMap<&str, Vec<usize>> = HashMap::new();
            for (place, node) in code.all.iter().enumerate() {
                naive.entry(node.kind()).or_default().push(place);
            }
            assert_eq!(code.by_kind, naive, "{text}");
        }
    }

    fn first_call<'t>(code: &'t Code<'_>, callee: &str) -> Node<'t> {
        code.calls()
            .into_iter()
            .find(|c| code.callee(*c) == callee)
            .unwrap_or_else(|| panic!("no call to {callee}"))
    }

    #[test]
    fn calls_objects_and_strings_in_javascript() {
        let text = "// cors({ origin: true })\napp.use(cors({ 'origin': true, credentials: \
                    true, methods: `GET`, maxAge }));\nconst s = `a${b}`;";
        let code = Code::new_for_test(text, Language::Tsx);
        let cors = first_call(&code, "cors");
        let options = code.arguments(cors)[0];
        assert_eq!(options.kind(), "object");
        assert!(code.is_true(code.property(options, "origin").expect("origin")));
        assert!(code.is_true(code.property(options, "credentials").expect("credentials")));
        let methods = code.property(options, "methods").expect("methods");
        assert_eq!(code.string_value(methods).as_deref(), Some("GET"));
        assert_eq!(
            code.text(code.property(options, "maxAge").expect("shorthand")),
            "maxAge"
        );
        assert!(code.property(options, "nothing").is_none());
        // The comment is not a call.
        assert_eq!(code.calls().len(), 2);
        let template = code.nodes(&["template_string"]);
        assert_eq!(code.string_value(template[1]), None);
    }

    #[test]
    fn typescript_reads_casts_and_types() {
        let text = "const o = <any>cors({ origin: true as boolean });\nfunction f(x: number): \
                    void { res.cookie('sid', x, { secure: false }); }";
        let code = Code::new_for_test(text, Language::TypeScript);
        let cookie = first_call(&code, "res.cookie");
        let function = code.enclosing_function(cookie).expect("in f");
        assert_eq!(function.kind(), "function_declaration");
        let options = code.arguments(cookie)[2];
        assert!(code.is_false(code.property(options, "secure").expect("secure")));
    }

    #[test]
    fn keyword_arguments_and_strings_in_python() {
        let text = "app.add_middleware(\n    CORSMiddleware,\n    allow_origins=[\"*\"],\n    \
                    allow_credentials=True,\n)\nx = f\"{a}\"\ny = r'raw' 'more'\n";
        let code = Code::new_for_test(text, Language::Python);
        let call = first_call(&code, "app.add_middleware");
        assert_eq!(code.text(code.arguments(call)[0]), "CORSMiddleware");
        assert!(
            code.is_true(
                code.keyword_argument(call, "allow_credentials")
                    .expect("kw")
            )
        );
        let origins = code.keyword_argument(call, "allow_origins").expect("kw");
        let first = origins.named_child(0).expect("an item");
        assert_eq!(code.string_value(first).as_deref(), Some("*"));
        let strings = code.nodes(&["string", "concatenated_string"]);
        let fstring = strings
            .iter()
            .find(|s| code.text(**s).starts_with('f'))
            .expect("f");
        assert_eq!(code.string_value(*fstring), None);
        let joined = strings
            .iter()
            .find(|s| s.kind() == "concatenated_string")
            .expect("joined");
        assert_eq!(code.string_value(*joined).as_deref(), Some("rawmore"));
    }

    /// The kind index answers as a filter over every node would: the nodes of those kinds,
    /// each once, in document order.
    #[test]
    fn nodes_by_kind_are_every_node_of_those_kinds_in_order() {
        let text = "const a = cors({ origin: true });\nfunction f(x) { a = x; return g(h(x), \
                    { k: [1, 'two'] }); }\nclass C { m() { return new D(`t${a}`); } }";
        let code = Code::new_for_test(text, Language::Tsx);
        for kinds in [
            &["call_expression"][..],
            &["call_expression", "new_expression", "call"],
            &["variable_declarator", "assignment_expression", "assignment"],
            &["pair", "object", "pair"],
            &[
                "identifier",
                "property_identifier",
                "string",
                "template_string",
            ],
            &["no_such_kind"],
            &[],
        ] {
            let naive = descendants(code.root(), kinds);
            assert_eq!(code.nodes(kinds), naive, "{kinds:?}");
        }
    }

    #[test]
    fn broken_code_still_parses_what_it_can() {
        let code = Code::new_for_test(
            "app.use(cors({ origin: true }));\nfunction (",
            Language::Tsx,
        );
        first_call(&code, "cors");
        assert!(parse("", Language::Python).is_some());
    }
}

/// A YAML document (a workflow, a compose file) as a tree whose every node knows the bytes of
/// the file it was read from, so a finding points at the key or value it is about. Parsed
/// through `crate::yaml` (budgets against alias bombs and deep nesting) with serde-saphyr's
/// spans; scalars of every type are kept as the text they resolve to (`true`, `1`), anchors and
/// merge keys are resolved (an alias points at where it is used).
#[derive(Debug)]
pub struct Yaml {
    pub value: YamlValue,
    /// Byte offsets of the node in the file (a scalar's text with its quotes or block; a
    /// mapping's or sequence's start, empty).
    pub span: std::ops::Range<usize>,
}

#[derive(Debug)]
pub enum YamlValue {
    Null,
    Scalar(String),
    Map(Vec<(Yaml, Yaml)>),
    Seq(Vec<Yaml>),
}

impl Yaml {
    /// The document in `text`, or `None` when it is not YAML the budgets accept.
    pub fn parse(text: &str) -> Option<Yaml> {
        let raw: serde_saphyr::Spanned<RawYaml> = crate::yaml::from_str(text).ok()?;
        Some(Yaml::from_raw(raw, text))
    }

    fn from_raw(raw: serde_saphyr::Spanned<RawYaml>, text: &str) -> Yaml {
        let len = text.len();
        let span = raw.referenced.span();
        let start = usize::try_from(span.byte_offset().unwrap_or(0))
            .unwrap_or(len)
            .min(len);
        let end = usize::try_from(span.byte_len().unwrap_or(0))
            .map_or(len, |l| start.saturating_add(l))
            .min(len);
        let value = match raw.value {
            RawYaml::Null => YamlValue::Null,
            RawYaml::Scalar(s) => YamlValue::Scalar(s),
            RawYaml::Map(entries) => YamlValue::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (Yaml::key(k, text), Yaml::from_raw(v, text)))
                    .collect(),
            ),
            RawYaml::Seq(items) => {
                YamlValue::Seq(items.into_iter().map(|i| Yaml::from_raw(i, text)).collect())
            }
        };
        Yaml {
            value,
            span: start..end,
        }
    }

    /// A mapping key as written: YAML 1.1 reads the key `on` (a workflow's triggers) or `yes`
    /// as a boolean, but a key is a name, so a key that resolved to one keeps its own text.
    fn key(raw: serde_saphyr::Spanned<RawYaml>, text: &str) -> Yaml {
        let mut key = Yaml::from_raw(raw, text);
        if let YamlValue::Scalar(s) = &mut key.value
            && (s == "true" || s == "false")
            && let Some(written) = text.get(key.span.clone())
            && !written.is_empty()
            && written.chars().all(|c| c.is_ascii_alphabetic())
        {
            *s = written.to_string();
        }
        key
    }

    /// A scalar's text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            YamlValue::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// A mapping's entries (none for anything else).
    pub fn entries(&self) -> &[(Yaml, Yaml)] {
        match &self.value {
            YamlValue::Map(entries) => entries,
            _ => &[],
        }
    }

    /// A sequence's items (none for anything else).
    pub fn items(&self) -> &[Yaml] {
        match &self.value {
            YamlValue::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entry `key` of a mapping: the key node and its value (the last one wins).
    pub fn entry(&self, key: &str) -> Option<(&Yaml, &Yaml)> {
        self.entries()
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// The value of the entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        self.entry(key).map(|(_, v)| v)
    }
}

/// What serde-saphyr hands over, before spans become byte ranges.
enum RawYaml {
    Null,
    Scalar(String),
    Map(
        Vec<(
            serde_saphyr::Spanned<RawYaml>,
            serde_saphyr::Spanned<RawYaml>,
        )>,
    ),
    Seq(Vec<serde_saphyr::Spanned<RawYaml>>),
}

impl<'de> serde::Deserialize<'de> for RawYaml {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RawYaml, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawYaml;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML node")
            }
            fn visit_unit<E>(self) -> Result<RawYaml, E> {
                Ok(RawYaml::Null)
            }
            fn visit_none<E>(self) -> Result<RawYaml, E> {
                Ok(RawYaml::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<RawYaml, E> {
                Ok(RawYaml::Scalar(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawYaml, E> {
                Ok(RawYaml::Scalar(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawYaml, E> {
                Ok(RawYaml::Scalar(v.to_string()))
            }
            fn visit_i128<E>(self, v: i128) -> Result<RawYaml, E> {
                Ok(RawYaml::Scalar(v.to_string()))
            }
            fn visit_u128<E>(self, v: u128) -> Result<RawYaml, E> {
                Ok(RawYaml::Scalar(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<RawYaml, E> {
                Ok(RawYaml::Scalar(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawYaml, E> {
                Ok(RawYaml::Scalar(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<RawYaml, E> {
                Ok(RawYaml::Scalar(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<RawYaml, E> {
                Ok(RawYaml::Scalar(String::from_utf8_lossy(v).into_owned()))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<RawYaml, D::Error> {
                serde::Deserialize::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawYaml, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(RawYaml::Seq(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawYaml, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(RawYaml::Map(entries))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod yaml_tests {
    use super::*;

    #[test]
    fn yaml_nodes_know_their_bytes() {
        let text = "on: push\njobs:\n  a:\n    steps:\n      - run: |\n          echo hi\n      - \
                    uses: \"x/y@v1\"\n        with: {n: 1, t: true}\n";
        let doc = Yaml::parse(text).expect("parses");
        let (key, on) = doc.entry("on").expect("on");
        assert_eq!(&text[key.span.clone()], "on");
        assert_eq!(on.as_str(), Some("push"));
        let steps = doc
            .get("jobs")
            .and_then(|j| j.get("a"))
            .and_then(|a| a.get("steps"))
            .expect("steps");
        let run = steps.items()[0].get("run").expect("run");
        assert_eq!(run.as_str(), Some("echo hi\n"));
        assert!(text[run.span.clone()].starts_with("echo hi"));
        let uses = steps.items()[1].get("uses").expect("uses");
        assert_eq!(&text[uses.span.clone()], "\"x/y@v1\"");
        let with = steps.items()[1].get("with").expect("with");
        assert_eq!(with.get("t").and_then(Yaml::as_str), Some("true"));
        assert!(Yaml::parse("a: [").is_none());
        assert!(Yaml::parse("").is_some_and(|y| matches!(y.value, YamlValue::Null)));
    }
}
