//! The lean copy of a database file: what a scan's load would keep of it,
//! without the text it would check and drop. Shared with build.rs
//! (`#[path]`), which builds the repository's `sdks.json`, `clouds.json` and
//! `publishers.json` into the program twice: as they are (for their digest,
//! `signatures check` and any error message) and as this copy, which a scan
//! parses instead.
//!
//! A scan's load (`load`, not `load_full`) checks each entry's `references`
//! and `notes` but keeps only how many references there are
//! (`super::references`, `super::notes`): about half of the files' bytes,
//! and their whitespace another third. The copy has no whitespace, each
//! reference of an entry replaced by `{"ref":""}` and each entry's `notes`
//! string left out, so a lean parse of it gives the same entries.
//!
//! The copy may only ever be accepted where its original is: a load that
//! fails on it falls back to the original, whose error it then reports
//! (`DbFile::parse`). So everything is copied byte for byte (strings with
//! their escapes, numbers, keys, duplicates and their order) except what is
//! replaced, and that is replaced only when the original would pass the
//! lean parse's check of it:
//! - `references`: an array of objects, each with a string `ref` and
//!   optional `paths` and `supports` arrays of strings, no other and no
//!   repeated key;
//! - `notes`: a string, and the only `notes` of its entry;
//! - in an entry none of whose keys holds an escape (serde compares keys
//!   unescaped, so `"not\u0065s"` is a second `notes`).
//!
//! Every string of the input is checked as serde_json checks one (no
//! control character, known escapes, paired surrogates), and the input
//! must be UTF-8 and one JSON value; otherwise there is no copy (`None`)
//! and the program holds the original twice.

/// Deepest nesting the copy is made for (the database's files nest 6 deep).
const MAX_DEPTH: usize = 64;

/// A JSON value as written, borrowed from the input.
enum Value<'a> {
    /// A string, with its quotes and escapes.
    Str(&'a [u8]),
    /// A number or a literal, as written.
    Scalar(&'a [u8]),
    Array(Vec<Value<'a>>),
    /// Members in order (keys with their quotes and escapes), repeats included.
    Object(Vec<(&'a [u8], Value<'a>)>),
}

/// The lean copy of `text`, a database file of entries (`sdks.json`,
/// `clouds.json`, `publishers.json`), or `None` when it is not one JSON
/// value that this module reads.
pub fn lean_copy(text: &[u8]) -> Option<Vec<u8>> {
    std::str::from_utf8(text).ok()?;
    let mut p = Parser { s: text, i: 0 };
    let mut root = p.value(0)?;
    p.skip_ws();
    if p.i != text.len() {
        return None;
    }
    if let Value::Object(members) = &mut root {
        for (_, v) in members.iter_mut() {
            if let Value::Array(entries) = v {
                for e in entries.iter_mut() {
                    if let Value::Object(m) = e {
                        lean_entry(m);
                    }
                }
            }
        }
    }
    let mut out = Vec::with_capacity(text.len() / 2);
    write(&root, &mut out);
    Some(out)
}

/// An entry's `references` and `notes` as a lean parse keeps them.
fn lean_entry(members: &mut Vec<(&[u8], Value<'_>)>) {
    if members.iter().any(|(k, _)| k.contains(&b'\\')) {
        return;
    }
    for (k, v) in members.iter_mut() {
        if *k == b"\"references\"" {
            if let Value::Array(refs) = v {
                if refs.iter().all(is_reference) {
                    for r in refs.iter_mut() {
                        *r = Value::Object(vec![(b"\"ref\"", Value::Str(b"\"\""))]);
                    }
                }
            }
        }
    }
    let notes: Vec<usize> =
        members.iter().enumerate().filter(|(_, (k, _))| *k == b"\"notes\"").map(|(i, _)| i).collect();
    if let [i] = notes[..] {
        if matches!(members.get(i), Some((_, Value::Str(_)))) {
            members.remove(i);
        }
    }
}

/// An object that the lean parse's `ReferenceShape` accepts.
fn is_reference(v: &Value<'_>) -> bool {
    let Value::Object(members) = v else { return false };
    let mut seen = [false; 3];
    for (k, v) in members {
        let (slot, ok) = match *k {
            b"\"ref\"" => (0, matches!(v, Value::Str(_))),
            b"\"paths\"" => (1, is_string_array(v)),
            b"\"supports\"" => (2, is_string_array(v)),
            _ => return false,
        };
        match seen.get_mut(slot) {
            Some(s) if !*s && ok => *s = true,
            _ => return false,
        }
    }
    seen.first().copied().unwrap_or(false)
}

fn is_string_array(v: &Value<'_>) -> bool {
    matches!(v, Value::Array(items) if items.iter().all(|x| matches!(x, Value::Str(_))))
}

fn write(v: &Value<'_>, out: &mut Vec<u8>) {
    match v {
        Value::Str(raw) | Value::Scalar(raw) => out.extend_from_slice(raw),
        Value::Array(items) => {
            out.push(b'[');
            for (n, x) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write(x, out);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            for (n, (k, x)) in members.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(k);
                out.push(b':');
                write(x, out);
            }
            out.push(b'}');
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// JSON's four whitespace bytes, nothing else.
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.skip_ws();
        let yes = self.peek() == Some(b);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn value(&mut self, depth: usize) -> Option<Value<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match self.peek()? {
            b'"' => self.string().map(Value::Str),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        self.eat(b',').then_some(())?;
                    }
                }
                Some(Value::Array(items))
            }
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.skip_ws();
                        let k = self.string()?;
                        self.eat(b':').then_some(())?;
                        members.push((k, self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        self.eat(b',').then_some(())?;
                    }
                }
                Some(Value::Object(members))
            }
            b'-' | b'0'..=b'9' => Some(Value::Scalar(self.run(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)))),
            b'a'..=b'z' => {
                let word = self.run(|b| b.is_ascii_lowercase());
                matches!(word, b"true" | b"false" | b"null").then_some(Value::Scalar(word))
            }
            _ => None,
        }
    }

    /// The longest run of bytes from here that `class` accepts.
    fn run(&mut self, class: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(&class) {
            self.i += 1;
        }
        self.s.get(start..self.i).unwrap_or_default()
    }

    /// A string at `self.i` (its opening quote), checked as serde_json
    /// checks one, with its quotes.
    fn string(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        (self.peek()? == b'"').then_some(())?;
        self.i += 1;
        loop {
            let b = self.peek()?;
            self.i += 1;
            match b {
                b'"' => return self.s.get(start..self.i),
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => match self.hex4()? {
                            0xD800..=0xDBFF => {
                                (self.peek()? == b'\\').then_some(())?;
                                self.i += 1;
                                (self.peek()? == b'u').then_some(())?;
                                self.i += 1;
                                (0xDC00..=0xDFFF).contains(&self.hex4()?).then_some(())?;
                            }
                            0xDC00..=0xDFFF => return None,
                            _ => {}
                        },
                        _ => return None,
                    }
                }
                0..=0x1F => return None,
                _ => {}
            }
        }
    }

    fn hex4(&mut self) -> Option<u16> {
        let digits = self.s.get(self.i..self.i.checked_add(4)?)?;
        let text = std::str::from_utf8(digits).ok()?;
        let v = u16::from_str_radix(text, 16).ok()?;
        // `from_str_radix` takes a sign; JSON does not.
        digits.iter().all(u8::is_ascii_hexdigit).then_some(())?;
        self.i += 4;
        Some(v)
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::lean_copy;
    use crate::signatures::lean_load_agrees;

    /// An `sdks.json` of one entry whose `references` and `notes` are the
    /// given JSON text (`notes` left out when empty).
    fn sdk_file(references: &str, notes: &str) -> String {
        let notes = if notes.is_empty() { String::new() } else { format!(",\n  \"notes\": {notes}") };
        format!(
            "{{\"schema_version\": 1, \"sdks\": [{{\"id\": \"x\", \"name\": \"X\", \"vendor\": \"V\", \
             \"country\": \"CN\", \"category\": \"ads\", \"prc_linked\": true, \"collects_data\": true, \
             \"confidence\": \"high\", \"markers\": {{\"native_libs\": [\"libx.so\"]}},\n  \
             \"references\": {references}{notes}}}]}}"
        )
    }

    #[test]
    fn the_copy_drops_whitespace_reference_text_and_notes_only() {
        let text =
            sdk_file(r#"[{"ref": "https://a/\u00e9", "paths": ["p"], "supports": ["s"]}, {"ref": "b"}]"#, r#""n\"""#);
        let lean = String::from_utf8(lean_copy(text.as_bytes()).expect("a copy")).expect("UTF-8");
        assert_eq!(
            lean,
            "{\"schema_version\":1,\"sdks\":[{\"id\":\"x\",\"name\":\"X\",\"vendor\":\"V\",\"country\":\"CN\",\
             \"category\":\"ads\",\"prc_linked\":true,\"collects_data\":true,\"confidence\":\"high\",\
             \"markers\":{\"native_libs\":[\"libx.so\"]},\"references\":[{\"ref\":\"\"},{\"ref\":\"\"}]}]}"
        );
        lean_load_agrees(0, text.as_bytes()).expect("same entries");
    }

    #[test]
    fn a_load_through_the_copy_accepts_and_refuses_what_a_load_of_the_bytes_does() {
        // Each case is a file the lean parse accepts or refuses; through the
        // copy it must give the same entries or the same error. The refused
        // ones are refused for what the copy would replace or drop.
        let good_ref = r#"[{"ref": "r"}]"#;
        let copied: Vec<String> = vec![
            sdk_file(good_ref, ""),
            sdk_file(good_ref, r#""a note""#),
            sdk_file(good_ref, "null"),
            sdk_file("[]", ""),
            // References that the lean parse refuses.
            sdk_file(r#"[{"ref": "r", "url": "u"}]"#, ""),
            sdk_file(r#"[{"ref": "r", "ref": "r"}]"#, ""),
            sdk_file(r#"[{"paths": ["p"]}]"#, ""),
            sdk_file(r#"[{"ref": 3}]"#, ""),
            sdk_file(r#"[{"ref": "r", "paths": "p"}]"#, ""),
            sdk_file(r#"[{"ref": "r", "supports": [1]}]"#, ""),
            sdk_file(r#"[{"ref": "r"}, 7]"#, ""),
            sdk_file(r#"{"ref": "r"}"#, ""),
            sdk_file(r#"[{"r\u0065f": "r"}]"#, ""),
            // Notes that it refuses, or that are not the entry's only ones.
            sdk_file(good_ref, "3"),
            sdk_file(good_ref, r#""a", "notes": "b""#),
            sdk_file(good_ref, r#""a", "not\u0065s": "b""#),
            sdk_file(good_ref, r#""a", "notes": null"#),
            // Refused elsewhere: the copy keeps it as it is.
            sdk_file(good_ref, r#""a", "website": 5"#),
            sdk_file(good_ref, r#""a", "unknown": 1"#),
            sdk_file(r#"[{"ref": "r"}], "references": []"#, ""),
        ];
        // Strings that serde_json refuses, in a reference or a note: no copy
        // at all (the program holds the bytes twice and parses them).
        let not_copied: Vec<String> = vec![
            sdk_file(r#"[{"ref": "bad \q escape"}]"#, ""),
            sdk_file("[{\"ref\": \"a raw \t tab\"}]", ""),
            sdk_file(r#"[{"ref": "lone \udc00 trail"}]"#, ""),
            sdk_file(r#"[{"ref": "lone \ud800 lead"}]"#, ""),
            sdk_file(r#"[{"ref": "lead \ud800\u0041 then no trail"}]"#, ""),
            sdk_file(r#"[{"ref": "short \u00e"}]"#, ""),
            sdk_file(r#"[{"ref": "signed \u+0e9"}]"#, ""),
            sdk_file(good_ref, r#""bad \x escape""#),
        ];
        for (cases, copy) in [(&copied, true), (&not_copied, false)] {
            for text in cases {
                assert_eq!(lean_copy(text.as_bytes()).is_some(), copy, "{text}");
                if let Err(e) = lean_load_agrees(0, text.as_bytes()) {
                    panic!("{text}\n{e}");
                }
            }
        }
        // Both kinds are in the lists: some load, some fail.
        let loads = |t: &String| crate::signatures::parse_lean_for_tests(t.as_bytes()).is_ok();
        assert!(copied.iter().any(loads) && !copied.iter().all(loads));
        assert!(!not_copied.iter().any(loads));
    }

    #[test]
    fn there_is_no_copy_of_what_is_not_one_json_value_as_serde_json_reads_it() {
        let good = sdk_file(r#"[{"ref": "r"}]"#, "");
        for bad in [
            // Whitespace JSON does not have (a form feed), two values, trailing text.
            good.replacen(' ', "\u{c}", 1),
            good.replacen("1,", "1 2,", 1),
            format!("{good} x"),
            good.replacen("true", "ture", 1),
            good.replacen("\"ads\"", "\"ads", 1),
            "[".repeat(100) + &"]".repeat(100),
        ] {
            assert!(lean_copy(bad.as_bytes()).is_none(), "{bad}");
            lean_load_agrees(0, bad.as_bytes()).expect("no copy, nothing to differ");
        }
        let mut not_utf8 = good.into_bytes();
        let at = not_utf8.iter().position(|&b| b == b'X').expect("the name");
        not_utf8[at] = 0xFF;
        assert!(lean_copy(&not_utf8).is_none());
    }
}
