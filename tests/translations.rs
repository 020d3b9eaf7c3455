//! No sentence goes untranslated silently: every `@tr()` in ui/**/*.slint must be in
//! translations/countertop.pot, and every message of the template must have a translation in
//! every language's .po file, with the same placeholders.
//!
//! After adding or changing `@tr()` strings:
//!   COUNTERTOP_UPDATE_TRANSLATIONS=1 cargo test --test translations
//! rewrites the template from the sources and appends the new messages, untranslated, to each
//! .po file; fill in their `msgstr` and run the test again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use countertop_core::Language;

/// A message as gettext keys it: context, text, plural text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    context: Option<String>,
    id: String,
    plural: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Entry {
    context: Option<String>,
    id: String,
    plural: Option<String>,
    /// `msgstr`, or `msgstr[0..n]` for plurals.
    translations: Vec<String>,
    fuzzy: bool,
}

impl Entry {
    fn key(&self) -> Key {
        Key {
            context: self.context.clone(),
            id: self.id.clone(),
            plural: self.plural.clone(),
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn slint_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

/// Reads a Slint string literal starting at the opening quote; returns its value and the index
/// after the closing quote.
fn slint_string(chars: &[char], start: usize) -> Option<(String, usize)> {
    if chars.get(start) != Some(&'"') {
        return None;
    }
    let mut value = String::new();
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' => return Some((value, i + 1)),
            '\\' => {
                let escaped = *chars.get(i + 1)?;
                value.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                i += 2;
            }
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    None
}

fn skip_space(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// Every `@tr("…")`, `@tr("context" => "…")` and `@tr("one" | "many" % n)` in a source, in order.
fn extract(source: &str, file: &Path) -> Vec<(Key, usize)> {
    let chars: Vec<char> = source.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        match chars[i] {
            '\n' => {
                line += 1;
                i += 1;
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
                i += 2;
            }
            '"' => {
                let (_, end) = slint_string(&chars, i)
                    .unwrap_or_else(|| panic!("{}:{line}: open string", file.display()));
                line += chars[i..end].iter().filter(|c| **c == '\n').count();
                i = end;
            }
            '@' if chars[i..].starts_with(&['@', 't', 'r', '(']) => {
                let at =
                    |what: &str| panic!("{}:{line}: @tr({what}) not understood", file.display());
                let mut j = skip_space(&chars, i + 4);
                let (first, end) = slint_string(&chars, j).unwrap_or_else(|| at("no string"));
                j = skip_space(&chars, end);
                let (context, id) = if chars[j..].starts_with(&['=', '>']) {
                    let k = skip_space(&chars, j + 2);
                    let (id, end) =
                        slint_string(&chars, k).unwrap_or_else(|| at("context without text"));
                    j = skip_space(&chars, end);
                    (Some(first), id)
                } else {
                    (None, first)
                };
                let plural = if chars.get(j) == Some(&'|') {
                    let k = skip_space(&chars, j + 1);
                    let (plural, end) =
                        slint_string(&chars, k).unwrap_or_else(|| at("plural without text"));
                    j = end;
                    Some(plural)
                } else {
                    None
                };
                found.push((
                    Key {
                        context,
                        id,
                        plural,
                    },
                    line,
                ));
                i = j;
            }
            _ => i += 1,
        }
    }
    found
}

/// The messages of every .slint file, first occurrence first, with where they are used.
fn source_messages() -> Vec<(Key, Vec<String>)> {
    let mut files = Vec::new();
    slint_files(&root().join("ui"), &mut files);
    let mut messages: Vec<(Key, Vec<String>)> = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let relative = file.strip_prefix(root()).unwrap().display().to_string();
        for (key, line) in extract(&source, &file) {
            let place = format!("{relative}:{line}");
            match messages.iter_mut().find(|(k, _)| *k == key) {
                Some((_, places)) => places.push(place),
                None => messages.push((key, vec![place])),
            }
        }
    }
    messages
}

fn po_unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn po_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

/// A small reader for the .po subset gettext tools write: comments, flags, msgctxt, msgid,
/// msgid_plural, msgstr, msgstr[n], and continuation lines. The header is the entry with an
/// empty msgid.
fn parse_po(text: &str, path: &Path) -> Vec<Entry> {
    #[derive(PartialEq)]
    enum Field {
        None,
        Context,
        Id,
        Plural,
        Str(usize),
    }
    let mut entries = Vec::new();
    let mut entry = Entry::default();
    let mut started = false;
    let mut field = Field::None;
    let quoted = |rest: &str, n: usize| -> String {
        let rest = rest.trim();
        assert!(
            rest.len() >= 2 && rest.starts_with('"') && rest.ends_with('"'),
            "{}:{n}: expected a quoted string",
            path.display()
        );
        po_unescape(&rest[1..rest.len() - 1])
    };
    for (n, raw) in text.lines().enumerate() {
        let n = n + 1;
        let line = raw.trim();
        let keyword = line.split_whitespace().next().unwrap_or("");
        let begins_entry = keyword == "msgctxt" || (keyword == "msgid" && field != Field::Context);
        if started && (line.is_empty() || line.starts_with('#') || begins_entry) {
            entries.push(std::mem::take(&mut entry));
            started = false;
            field = Field::None;
        }
        if line.is_empty() {
            continue;
        }
        if let Some(flags) = line.strip_prefix("#,") {
            entry.fuzzy |= flags.split(',').any(|f| f.trim() == "fuzzy");
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        started = true;
        if let Some(rest) = line.strip_prefix("msgctxt ") {
            entry.context = Some(quoted(rest, n));
            field = Field::Context;
        } else if let Some(rest) = line.strip_prefix("msgid_plural ") {
            entry.plural = Some(quoted(rest, n));
            field = Field::Plural;
        } else if let Some(rest) = line.strip_prefix("msgid ") {
            entry.id = quoted(rest, n);
            field = Field::Id;
        } else if let Some(rest) = line.strip_prefix("msgstr[") {
            let (index, rest) = rest
                .split_once(']')
                .unwrap_or_else(|| panic!("{}:{n}: bad msgstr[", path.display()));
            let index: usize = index
                .parse()
                .unwrap_or_else(|_| panic!("{}:{n}: bad plural index", path.display()));
            if entry.translations.len() <= index {
                entry.translations.resize(index + 1, String::new());
            }
            entry.translations[index] = quoted(rest, n);
            field = Field::Str(index);
        } else if let Some(rest) = line.strip_prefix("msgstr ") {
            entry.translations = vec![quoted(rest, n)];
            field = Field::Str(0);
        } else if line.starts_with('"') {
            let more = quoted(line, n);
            match field {
                Field::Context => entry
                    .context
                    .get_or_insert_with(String::new)
                    .push_str(&more),
                Field::Id => entry.id.push_str(&more),
                Field::Plural => entry.plural.get_or_insert_with(String::new).push_str(&more),
                Field::Str(i) => entry.translations[i].push_str(&more),
                Field::None => panic!("{}:{n}: a string outside an entry", path.display()),
            }
        } else {
            panic!("{}:{n}: not understood: {line}", path.display());
        }
    }
    if started {
        entries.push(entry);
    }
    entries
}

/// `{}`, `{0}`, `{n}`: what Slint fills in. Plain `{}` are filled in order; a translation may
/// reorder them as `{0}`, `{1}`.
fn placeholders(text: &str) -> BTreeMap<String, usize> {
    let mut found = BTreeMap::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        *found
            .entry(rest[open..open + close + 1].to_owned())
            .or_insert(0) += 1;
        rest = &rest[open + close + 1..];
    }
    found
}

/// Whether `translation` fills in the same values as `original`.
fn same_placeholders(original: &str, translation: &str) -> bool {
    let wanted = placeholders(original);
    let got = placeholders(translation);
    if wanted == got {
        return true;
    }
    // "{} · {}" may become "{1} · {0}".
    let positional = wanted.get("{}").copied().unwrap_or(0);
    let mut named = wanted.clone();
    named.remove("{}");
    let mut got_named = got.clone();
    let indexed: BTreeSet<String> = (0..positional).map(|i| format!("{{{i}}}")).collect();
    got_named.retain(|k, _| !indexed.contains(k));
    positional > 0 && indexed.iter().all(|k| got.contains_key(k)) && named == got_named
}

fn nplurals(header: &str) -> Option<usize> {
    let forms = header
        .lines()
        .find_map(|l| l.trim().strip_prefix("Plural-Forms:"))?;
    let n = forms
        .split(';')
        .find_map(|part| part.trim().strip_prefix("nplurals="))?;
    n.trim().parse().ok()
}

fn pot_text(messages: &[(Key, Vec<String>)]) -> String {
    let mut out = String::from(
        "# Countertop customer display: the sentences to translate.\n\
         # Generated from ui/**/*.slint by `COUNTERTOP_UPDATE_TRANSLATIONS=1 cargo test --test translations`.\n\
         msgid \"\"\n\
         msgstr \"\"\n\
         \"Project-Id-Version: countertop\\n\"\n\
         \"MIME-Version: 1.0\\n\"\n\
         \"Content-Type: text/plain; charset=UTF-8\\n\"\n\
         \"Content-Transfer-Encoding: 8bit\\n\"\n",
    );
    for (key, places) in messages {
        out.push('\n');
        out.push_str(&format!("#: {}\n", places.join(" ")));
        out.push_str(&entry_text(key, &[]));
    }
    out
}

fn entry_text(key: &Key, translations: &[String]) -> String {
    let mut out = String::new();
    if let Some(context) = &key.context {
        out.push_str(&format!("msgctxt \"{}\"\n", po_escape(context)));
    }
    out.push_str(&format!("msgid \"{}\"\n", po_escape(&key.id)));
    match &key.plural {
        Some(plural) => {
            out.push_str(&format!("msgid_plural \"{}\"\n", po_escape(plural)));
            let forms = translations.len().max(2);
            for i in 0..forms {
                let text = translations.get(i).map(String::as_str).unwrap_or("");
                out.push_str(&format!("msgstr[{i}] \"{}\"\n", po_escape(text)));
            }
        }
        None => out.push_str(&format!(
            "msgstr \"{}\"\n",
            po_escape(translations.first().map(String::as_str).unwrap_or(""))
        )),
    }
    out
}

fn po_path(language: Language) -> PathBuf {
    root()
        .join("translations")
        .join(language.gettext_code())
        .join("LC_MESSAGES")
        .join("countertop.po")
}

fn translated_languages() -> impl Iterator<Item = Language> {
    Language::ALL
        .into_iter()
        .filter(|l| *l != Language::English)
}

#[test]
fn every_sentence_on_screen_is_in_the_template_and_translated() {
    let sources = source_messages();
    assert!(
        sources.len() > 50,
        "the extractor found only {} messages",
        sources.len()
    );
    let pot_path = root().join("translations").join("countertop.pot");
    let update = std::env::var_os("COUNTERTOP_UPDATE_TRANSLATIONS").is_some();
    if update {
        std::fs::write(&pot_path, pot_text(&sources)).unwrap();
    }
    let pot = std::fs::read_to_string(&pot_path).unwrap();
    let template: Vec<Entry> = parse_po(&pot, &pot_path)
        .into_iter()
        .filter(|e| !e.id.is_empty())
        .collect();
    let template_keys: BTreeSet<Key> = template.iter().map(Entry::key).collect();
    let mut problems = Vec::new();
    for (key, places) in &sources {
        if !template_keys.contains(key) {
            problems.push(format!(
                "{}: {:?} is not in translations/countertop.pot",
                places[0], key.id
            ));
        }
    }
    let source_keys: BTreeSet<&Key> = sources.iter().map(|(k, _)| k).collect();
    for entry in &template {
        if !source_keys.contains(&entry.key()) {
            problems.push(format!(
                "translations/countertop.pot: {:?} is no longer used in ui/",
                entry.id
            ));
        }
    }

    for language in translated_languages() {
        let path = po_path(language);
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let entries = parse_po(&text, &path);
        let header = entries
            .iter()
            .find(|e| e.id.is_empty())
            .and_then(|e| e.translations.first())
            .cloned()
            .unwrap_or_default();
        let forms = nplurals(&header);
        if forms.is_none() {
            problems.push(format!("{name}: no Plural-Forms header"));
        }
        let by_key: BTreeMap<Key, &Entry> = entries
            .iter()
            .filter(|e| !e.id.is_empty())
            .map(|e| (e.key(), e))
            .collect();
        let mut missing = Vec::new();
        for wanted in &template {
            let Some(entry) = by_key.get(&wanted.key()) else {
                missing.push(wanted.key());
                problems.push(format!("{name}: {:?} has no translation", wanted.id));
                continue;
            };
            if entry.fuzzy {
                problems.push(format!("{name}: {:?} is marked fuzzy", wanted.id));
            }
            if entry.translations.iter().any(String::is_empty) || entry.translations.is_empty() {
                problems.push(format!("{name}: {:?} is not translated yet", wanted.id));
                continue;
            }
            match &wanted.plural {
                None => {
                    if !same_placeholders(&wanted.id, &entry.translations[0]) {
                        problems.push(format!(
                            "{name}: {:?} → {:?}: placeholders differ",
                            wanted.id, entry.translations[0]
                        ));
                    }
                }
                Some(plural) => {
                    if Some(entry.translations.len()) != forms {
                        problems.push(format!(
                            "{name}: {:?} has {} plural forms, the header says {forms:?}",
                            wanted.id,
                            entry.translations.len()
                        ));
                    }
                    for (i, form) in entry.translations.iter().enumerate() {
                        // The one form of a language without plurals stands for the plural.
                        let original = if i == 0 && entry.translations.len() > 1 {
                            &wanted.id
                        } else {
                            plural
                        };
                        if !same_placeholders(original, form) {
                            problems.push(format!(
                                "{name}: {original:?} → {form:?}: placeholders differ"
                            ));
                        }
                    }
                }
            }
        }
        if update && !missing.is_empty() {
            let mut text = text.clone();
            for key in &missing {
                text.push('\n');
                let forms = if key.plural.is_some() {
                    forms.unwrap_or(2)
                } else {
                    1
                };
                text.push_str(&entry_text(key, &vec![String::new(); forms]));
            }
            std::fs::write(&path, text).unwrap();
        }
    }
    assert!(
        problems.is_empty(),
        "{} translation problems (COUNTERTOP_UPDATE_TRANSLATIONS=1 cargo test --test translations \
         updates the template and adds missing messages to the .po files):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_extractor_reads_every_form_of_tr() {
    let source = r#"
        // @tr("in a comment") is not a message
        Text { text: @tr("Hello {}", name); }
        Text { text: "a string with @tr(\"inside\")"; }
        Text { text: @tr("Menu" => "Open"); }
        Text { text: @tr("{n} item" | "{n} items" % count); }
        Text { text: @tr("Line one\nLine \"two\""); }
    "#;
    let keys: Vec<Key> = extract(source, Path::new("test.slint"))
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let key = |context: Option<&str>, id: &str, plural: Option<&str>| Key {
        context: context.map(String::from),
        id: id.into(),
        plural: plural.map(String::from),
    };
    assert_eq!(
        keys,
        vec![
            key(None, "Hello {}", None),
            key(Some("Menu"), "Open", None),
            key(None, "{n} item", Some("{n} items")),
            key(None, "Line one\nLine \"two\"", None),
        ]
    );
}

#[test]
fn the_check_notices_a_dropped_placeholder_and_the_po_reader_reads_plurals() {
    assert!(same_placeholders("Tip: {}", "Fooi: {}"));
    assert!(same_placeholders("{} · Authorization {}", "授權 {1} · {0}"));
    assert!(!same_placeholders("Tip: {}", "Fooi"));
    assert!(!same_placeholders("{n} items", "artikelen"));
    let po = "msgid \"\"\nmsgstr \"\"\n\"Plural-Forms: nplurals=2; plural=(n != 1);\\n\"\n\n#, fuzzy\nmsgid \"{n} item\"\nmsgid_plural \"{n} items\"\nmsgstr[0] \"{n} artikel\"\nmsgstr[1] \"{n} \"\n\"artikelen\"\n";
    let entries = parse_po(po, Path::new("t.po"));
    assert_eq!(entries.len(), 2);
    assert_eq!(nplurals(&entries[0].translations[0]), Some(2));
    assert!(entries[1].fuzzy);
    assert_eq!(
        entries[1].translations,
        vec!["{n} artikel".to_owned(), "{n} artikelen".to_owned()]
    );
}
