//! v1 (JAR) signature verification the way Android checks it (AOSP apksig
//! `V1SchemeVerifier`, `ManifestParser`, `OidConstants`).
//!
//! Order of checks, each failure naming the file, entry and digest:
//! MANIFEST.MF present and its sections name existing entries; each
//! signature block (`.RSA/.DSA/.EC`) has its `.SF`; the PKCS#7 SignerInfo
//! verifies over the `.SF` (or its signed attributes, whose message digest
//! must be the `.SF`'s) with an algorithm supported on the SDK range; the
//! `.SF` carries `X-Android-APK-Signed` stripping protection and digests of
//! the manifest (whole, main section or per entry); every entry outside
//! META-INF is listed in the manifest with a matching digest and signed by
//! the same signers.

use crate::formats::source::Source;
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use super::crypto::{self, Hash, Padding};
use crate::formats::der::{self, Element};
use crate::formats::x509::Certificate;
use crate::formats::zip::{ZipDirectory, ZipEntry};

/// apksig `MAX_APK_SIGNERS`.
pub const MAX_SIGNERS: usize = 10;
/// Most manifest / .SF sections parsed.
pub const MAX_SECTIONS: usize = 1 << 20;

const SDK_MAX: u32 = i32::MAX as u32;
const SDK_JB_MR2: u32 = 18;
const SDK_KITKAT: u32 = 19;
const SDK_N: u32 = 24;

/// One attribute (name, value), borrowed from the file when it is one line
/// of valid UTF-8.
pub type Attr<'a> = (Cow<'a, str>, Cow<'a, str>);

/// One section of a JAR manifest or signature file.
#[derive(Debug, Clone, Default)]
pub struct Section<'a> {
    pub start: usize,
    pub size: usize,
    pub attrs: Vec<Attr<'a>>,
}

impl<'a> Section<'a> {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_suffixed(name, "")
    }

    pub fn name(&self) -> Option<&str> {
        self.get("Name")
    }

    /// The `Name` attribute, borrowed from the file when it is there.
    fn name_cow(&self) -> Option<Cow<'a, str>> {
        self.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case("Name")).map(|(_, v)| v.clone())
    }

    /// `get` of the attribute named `name` followed by `suffix` (`SHA-256` +
    /// `-Digest`), without building the name.
    fn get_suffixed(&self, name: &str, suffix: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| {
                k.len() == name.len().saturating_add(suffix.len())
                    && k.get(..name.len()).is_some_and(|h| h.eq_ignore_ascii_case(name))
                    && k.get(name.len()..).is_some_and(|t| t.eq_ignore_ascii_case(suffix))
            })
            .map(|(_, v)| v.as_ref())
    }
}

/// The lines of a manifest as apksig's ManifestParser splits them (CR, LF
/// or CRLF line ends): (start, content without its line end, start of the
/// next line).
struct Lines<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a [u8], usize);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.at;
        let rest = self.data.get(start..).filter(|r| !r.is_empty())?;
        let (len, next) = match memchr::memchr2(b'\r', b'\n', rest) {
            Some(p) => {
                let crlf = rest.get(p) == Some(&b'\r') && rest.get(p.saturating_add(1)) == Some(&b'\n');
                (p, start.saturating_add(p).saturating_add(if crlf { 2 } else { 1 }))
            }
            None => (rest.len(), self.data.len()),
        };
        self.at = next;
        Some((start, rest.get(..len).unwrap_or_default(), next))
    }
}

/// The sections of a manifest or signature file, in order, at most
/// `MAX_SECTIONS` (apksig's ManifestParser: continuation lines start with
/// one space; a section ends after an empty line). An attribute that is one
/// line of valid UTF-8 is borrowed; one continued over several lines, or
/// not valid UTF-8, is copied (invalid sequences become U+FFFD).
pub struct Sections<'a> {
    lines: Lines<'a>,
    count: usize,
}

impl<'a> Sections<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Sections { lines: Lines { data, at: 0 }, count: 0 }
    }

    /// After the iteration: whether sections were left unread past the
    /// `MAX_SECTIONS`th (reads the rest of the lines).
    pub fn truncated(&mut self) -> bool {
        self.count >= MAX_SECTIONS && self.lines.any(|(_, content, _)| !content.is_empty())
    }
}

impl<'a> Iterator for Sections<'a> {
    type Item = Section<'a>;

    fn next(&mut self) -> Option<Section<'a>> {
        if self.count >= MAX_SECTIONS {
            return None;
        }
        let (start, first, mut end) = loop {
            let (start, content, next) = self.lines.next()?;
            if !content.is_empty() {
                break (start, content, next);
            }
        };
        self.count = self.count.saturating_add(1);
        let mut attrs = Vec::new();
        let mut line: Cow<'a, [u8]> = Cow::Borrowed(first);
        // The lines after the first, through the empty line that ends the
        // section (or the end of the file).
        for (_, content, next) in self.lines.by_ref() {
            end = next;
            match content.split_first() {
                None => break,
                Some((b' ', more)) => line.to_mut().extend_from_slice(more),
                Some(_) => attrs.push(attribute(std::mem::replace(&mut line, Cow::Borrowed(content)))),
            }
        }
        attrs.push(attribute(line));
        Some(Section { start, size: end.saturating_sub(start), attrs })
    }
}

/// One attribute line (continuations joined) split at its first `: `; the
/// whole line is the name when it has none.
fn attribute(line: Cow<'_, [u8]>) -> Attr<'_> {
    let text: Cow<'_, str> = match line {
        Cow::Borrowed(b) => String::from_utf8_lossy(b),
        Cow::Owned(v) => match String::from_utf8(v) {
            Ok(s) => Cow::Owned(s),
            Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        },
    };
    match text {
        Cow::Borrowed(t) => match t.split_once(": ") {
            Some((k, v)) => (Cow::Borrowed(k), Cow::Borrowed(v)),
            None => (Cow::Borrowed(t), Cow::Borrowed("")),
        },
        Cow::Owned(mut t) => match t.find(": ") {
            Some(p) => {
                let value = t.get(p.saturating_add(2)..).unwrap_or_default().to_string();
                t.truncate(p);
                (Cow::Owned(t), Cow::Owned(value))
            }
            None => (Cow::Owned(t), Cow::Borrowed("")),
        },
    }
}

/// An individual section of MANIFEST.MF: its start, its size and its name.
type Span<'a> = (usize, usize, Option<Cow<'a, str>>);

/// The spans of the sections `sections` has left.
fn spans_of<'m>(sections: &mut Sections<'m>) -> Vec<Span<'m>> {
    sections.map(|s| (s.start, s.size, s.name_cow())).collect()
}

/// The section of `manifest` at `span`, its attributes read again.
fn section_at<'m>(manifest: &'m [u8], span: Option<&Span<'_>>) -> Section<'m> {
    span.and_then(|&(start, size, _)| manifest.get(start..start.checked_add(size)?))
        .and_then(|bytes| Sections::new(bytes).next())
        .unwrap_or_default()
}

/// Most errors listed for one check that runs over every entry or section;
/// the others are counted in one more error. (An APK of a few megabytes can
/// name a million absent entries in its manifest.)
pub const MAX_LISTED_ERRORS: usize = 100;

/// The errors of one such check so far.
#[derive(Default)]
struct Listed {
    count: usize,
}

impl Listed {
    fn push(&mut self, errors: &mut Vec<String>, error: impl FnOnce() -> String) {
        if self.count < MAX_LISTED_ERRORS {
            errors.push(error());
        }
        self.count = self.count.saturating_add(1);
    }

    fn finish(self, errors: &mut Vec<String>, what: &str) {
        let more = self.count.saturating_sub(MAX_LISTED_ERRORS);
        if more > 0 {
            errors.push(format!("{more} more errors {what}, not listed (the first {MAX_LISTED_ERRORS} are)"));
        }
    }
}

/// Every section of `data` (see [`Sections`]).
pub fn parse_sections(data: &[u8]) -> Vec<Section<'_>> {
    Sections::new(data).collect()
}

/// Standard base64 (java.util.Base64 basic decoder); None when invalid.
pub fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let trimmed = s.trim_end_matches('=');
    if s.len().saturating_sub(trimmed.len()) > 2 {
        return None;
    }
    for c in trimmed.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn canonical_hash(name: &str) -> Option<Hash> {
    Some(match name.to_ascii_uppercase().as_str() {
        "MD5" => Hash::Md5,
        "SHA" | "SHA1" | "SHA-1" => Hash::Sha1,
        "SHA-256" => Hash::Sha256,
        "SHA-384" => Hash::Sha384,
        "SHA-512" => Hash::Sha512,
        _ => return None,
    })
}

/// apksig `getDigestsToVerify`: which digest attributes of a section Android
/// checks on the SDK range. Undecodable base64 becomes an empty digest that
/// never matches.
pub fn digests_to_verify(section: &Section, suffix: &str, min_sdk: u32, max_sdk: u32) -> Vec<(Hash, Vec<u8>)> {
    let mut out: Vec<(Hash, Vec<u8>)> = Vec::new();
    for (h, v) in digest_attributes(section, suffix, min_sdk, max_sdk) {
        let d = base64(v).unwrap_or_default();
        if !out.iter().any(|(oh, od)| *oh == h && *od == d) {
            out.push((h, d));
        }
    }
    out
}

/// The attributes `digests_to_verify` decodes, undecoded: at most one for
/// old platforms (none means none at all), then the strongest for JB MR2 on.
/// Empty exactly when `digests_to_verify` is.
fn digest_attributes<'s>(section: &'s Section<'_>, suffix: &str, min_sdk: u32, max_sdk: u32) -> Vec<(Hash, &'s str)> {
    let mut out: Vec<(Hash, &str)> = Vec::new();
    if min_sdk < SDK_JB_MR2 {
        let algs = section.get("Digest-Algorithms").unwrap_or("SHA SHA1");
        for alg in algs.split_whitespace() {
            let Some(v) = section.get_suffixed(alg, suffix) else { continue };
            let Some(h) = canonical_hash(alg) else { continue };
            let min = if matches!(h, Hash::Sha384 | Hash::Sha512) { 9 } else { 0 };
            if min > min_sdk {
                continue;
            }
            out.push((h, v));
            break;
        }
        if out.is_empty() {
            return out;
        }
    }
    if max_sdk >= SDK_JB_MR2 {
        for (h, attr) in
            [(Hash::Sha512, "SHA-512"), (Hash::Sha384, "SHA-384"), (Hash::Sha256, "SHA-256"), (Hash::Sha1, "SHA1")]
        {
            if let Some(v) = section.get_suffixed(attr, suffix) {
                out.push((h, v));
                break;
            }
        }
    }
    out
}

/// One JAR signer's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct V1Signer {
    /// `CERT.RSA`
    pub name: String,
    /// Signing certificate first, then its chain (original bytes).
    pub chain: Vec<Vec<u8>>,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct V1Result {
    pub verified: bool,
    pub signers: Vec<V1Signer>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl V1Result {
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.signers.iter().any(|s| !s.errors.is_empty())
    }

    pub fn all_errors(&self) -> Vec<String> {
        let mut out: Vec<String> = self.errors.iter().map(|e| format!("v1: {e}")).collect();
        for s in &self.signers {
            out.extend(s.errors.iter().map(|e| format!("v1 signer {}: {e}", s.name)));
        }
        out
    }
}

/// Inputs of v1 verification.
pub struct V1Input<'a> {
    pub apk: Source<'a>,
    pub dir: &'a ZipDirectory,
    pub min_sdk: u32,
    pub max_sdk: u32,
    /// Scheme ids Android knows (2, 3) and those found in the signing block.
    pub supported_scheme_ids: &'a [u32],
    pub found_scheme_ids: &'a [u32],
    /// Largest entry inflated for digesting.
    pub max_entry_bytes: u64,
    /// Hash entry contents against MANIFEST.MF (false: only the manifest's
    /// structure, the .SF files and the signatures are checked, because a
    /// verified v2+ signature already covers every entry byte).
    pub entry_digests: bool,
    /// Entries the analysis inflates ([`super::shared`]): their digests are
    /// taken over those bytes instead of inflating them again.
    pub shared: Option<&'a super::shared::SharedEntries>,
}

/// The entry's bytes, owned: the buffer they were inflated (or read) into,
/// taken rather than copied (a `.SF` can be hundreds of megabytes); a
/// stored entry of an APK in memory is copied.
fn read_entry(inp: &V1Input<'_>, e: &ZipEntry) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    let (at, len) = read_entry_into(inp, e, &mut buf).map(|b| (b.as_ptr() as usize, b.len()))?;
    if at == buf.as_ptr() as usize && len <= buf.len() {
        buf.truncate(len);
        return Ok(buf);
    }
    read_entry_into(inp, e, &mut buf).map(<[u8]>::to_vec)
}

/// The entry's bytes, inflated into `buf` when they are compressed.
fn read_entry_into<'b>(inp: &V1Input<'b>, e: &ZipEntry, buf: &'b mut Vec<u8>) -> Result<&'b [u8], String> {
    inp.dir
        .read(inp.apk, e, inp.max_entry_bytes, buf)
        .map(|(b, _)| b)
        .map_err(|err| format!("cannot read entry {}: {err}", e.name))
}

struct SignerState<'d> {
    block: &'d ZipEntry,
    sf: &'d ZipEntry,
    result: V1Signer,
    sf_bytes: Vec<u8>,
    /// Which individual sections of MANIFEST.MF (by their index in the
    /// manifest's spans) the `.SF` has a section for.
    sf_entries: Vec<bool>,
    ignored: bool,
}

/// Verifies the JAR signature of an APK.
pub fn verify(inp: &V1Input<'_>) -> V1Result {
    let mut res = V1Result::default();
    let mut names: HashSet<&str> = HashSet::new();
    let mut dups: HashSet<&str> = HashSet::new();
    let mut listed = Listed::default();
    for e in &inp.dir.entries {
        if !names.insert(e.name.as_str()) && dups.insert(e.name.as_str()) {
            listed.push(&mut res.errors, || format!("duplicate ZIP entry {}", e.name));
        }
    }
    listed.finish(&mut res.errors, "duplicate ZIP entries");
    if res.has_errors() {
        return res;
    }
    let mut manifest_entry = None;
    let mut sf_entries: HashMap<&str, &ZipEntry> = HashMap::new();
    let mut block_entries: Vec<&ZipEntry> = Vec::new();
    for e in &inp.dir.entries {
        let n = e.name.as_str();
        if !n.starts_with("META-INF/") {
            continue;
        }
        if manifest_entry.is_none() && n == "META-INF/MANIFEST.MF" {
            manifest_entry = Some(e);
            continue;
        }
        if n.ends_with(".SF") {
            sf_entries.insert(n, e);
        } else if n.ends_with(".RSA") || n.ends_with(".DSA") || n.ends_with(".EC") {
            block_entries.push(e);
        }
    }
    let Some(manifest_entry) = manifest_entry else {
        res.errors.push("missing META-INF/MANIFEST.MF".into());
        return res;
    };
    // Borrowed where it is (a stored entry in memory) or where it inflated:
    // not copied, since it can be hundreds of megabytes.
    let mut manifest_buf = Vec::new();
    let manifest = match read_entry_into(inp, manifest_entry, &mut manifest_buf) {
        Ok(m) => m,
        Err(e) => {
            res.errors.push(e);
            return res;
        }
    };
    let mut sections = Sections::new(manifest);
    let main = sections.next().unwrap_or_default();
    // The individual sections: where each is and its name. Their attributes
    // are read again, borrowed, when an entry needs its digests, so a
    // manifest of a million sections keeps a few words for each.
    let spans = spans_of(&mut sections);
    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(spans.len());
    let mut listed = Listed::default();
    for (i, (_, _, name)) in spans.iter().enumerate() {
        let Some(name) = name.as_deref() else {
            listed.push(&mut res.errors, || {
                format!("malformed META-INF/MANIFEST.MF: individual section #{} has no name", i + 1)
            });
            continue;
        };
        match by_name.entry(name) {
            Entry::Occupied(_) => {
                listed.push(&mut res.errors, || format!("META-INF/MANIFEST.MF has more than one section for {name}"));
            }
            Entry::Vacant(slot) => {
                if !names.contains(name) {
                    listed.push(&mut res.errors, || {
                        format!("{name} entry referenced by META-INF/MANIFEST.MF not found in the APK")
                    });
                }
                slot.insert(i);
            }
        }
    }
    listed.finish(&mut res.errors, "about the sections of META-INF/MANIFEST.MF");
    if sections.truncated() {
        res.errors.push(format!("META-INF/MANIFEST.MF has more than {MAX_SECTIONS} sections; the rest are not read"));
    }
    if res.has_errors() {
        return res;
    }
    let mut signers: Vec<SignerState<'_>> = Vec::new();
    for b in &block_entries {
        let Some(dot) = b.name.rfind('.') else { continue };
        let sf_name = format!("{}.SF", b.name.get(..dot).unwrap_or(""));
        let Some(sf) = sf_entries.get(sf_name.as_str()) else {
            res.warnings.push(format!("{} has no matching {sf_name}", b.name));
            continue;
        };
        let name = b.name.get("META-INF/".len()..).unwrap_or("").to_string();
        signers.push(SignerState {
            block: b,
            sf,
            result: V1Signer { name, ..V1Signer::default() },
            sf_bytes: Vec::new(),
            sf_entries: Vec::new(),
            ignored: false,
        });
    }
    if signers.is_empty() {
        res.errors.push("no JAR signatures".into());
        return res;
    }
    if signers.len() > MAX_SIGNERS {
        res.errors.push(format!("{} JAR signers exceed the maximum of {MAX_SIGNERS}", signers.len()));
        return res;
    }
    let mut failed = false;
    for s in &mut signers {
        verify_block_against_sf(inp, s);
        failed |= !s.result.errors.is_empty();
    }
    if failed {
        res.signers = signers.into_iter().filter(|s| !s.result.errors.is_empty()).map(|s| s.result).collect();
        return res;
    }
    for s in &mut signers {
        verify_sf_against_manifest(inp, s, manifest, &main, &spans, &by_name);
        if !s.ignored && !s.result.errors.is_empty() {
            failed = true;
        }
    }
    if failed {
        res.signers =
            signers.into_iter().filter(|s| !s.ignored && !s.result.errors.is_empty()).map(|s| s.result).collect();
        return res;
    }
    let (active, ignored): (Vec<_>, Vec<_>) = signers.into_iter().partition(|s| !s.ignored);
    for s in &ignored {
        res.warnings.push(format!("JAR signer {} ignored: {}", s.result.name, s.result.errors.join("; ")));
    }
    if active.is_empty() {
        res.errors.push("no JAR signatures".into());
        return res;
    }
    // Entries against the manifest, in file order: what each one fails, or
    // the digests its bytes must have. The bytes are hashed afterwards, side
    // by side when the pool has a free thread, and every error is reported
    // in file order whichever thread found it.
    let mut entries: Vec<&ZipEntry> = inp.dir.entries.iter().collect();
    entries.sort_by_key(|e| e.local_header_offset);
    let mut first_set: Option<(&str, Vec<usize>)> = None;
    let mut checks: Vec<EntryCheck<'_>> = Vec::new();
    for e in entries {
        let n = e.name.as_str();
        if n.starts_with("META-INF/") || n.ends_with('/') {
            continue;
        }
        let Some(&at) = by_name.get(n) else {
            checks.push(EntryCheck::Failed(n, Failure::NoDigest));
            continue;
        };
        let set: Vec<usize> =
            active.iter().enumerate().filter(|(_, s)| s.sf_entries.get(at) == Some(&true)).map(|(i, _)| i).collect();
        if set.is_empty() {
            checks.push(EntryCheck::Failed(n, Failure::Unsigned));
            continue;
        }
        match &first_set {
            None => first_set = Some((n, set)),
            Some((first, fs)) if *fs != set => {
                checks.push(EntryCheck::Failed(n, Failure::OtherSigners(first)));
                continue;
            }
            Some(_) => {}
        }
        let section = section_at(manifest, spans.get(at));
        // The digests are decoded only when the entry is hashed.
        let usable = if inp.entry_digests {
            let expected = digests_to_verify(&section, "-Digest", inp.min_sdk, inp.max_sdk);
            let usable = !expected.is_empty();
            if usable {
                checks.push(EntryCheck::Hash(e, expected));
            }
            usable
        } else {
            !digest_attributes(&section, "-Digest", inp.min_sdk, inp.max_sdk).is_empty()
        };
        if !usable {
            checks.push(EntryCheck::Failed(n, Failure::NoUsableDigest));
        }
    }
    // Errors in file order; a name's error is spelt out only when listed.
    let mut listed = Listed::default();
    let mut hashed = entry_digest_errors(inp, &checks).into_iter().peekable();
    for (i, check) in checks.iter().enumerate() {
        match check {
            EntryCheck::Failed(n, why) => listed.push(&mut res.errors, || why.message(n)),
            EntryCheck::Hash(..) => {
                if let Some((_, errors)) = hashed.next_if(|(at, _)| *at == i) {
                    for e in errors {
                        listed.push(&mut res.errors, || e);
                    }
                }
            }
        }
    }
    listed.finish(&mut res.errors, "about entries");
    let Some((_, used)) = first_set else {
        res.errors.push("no signed ZIP entries".into());
        return res;
    };
    if res.has_errors() {
        return res;
    }
    for (i, s) in active.into_iter().enumerate() {
        if used.contains(&i) {
            res.signers.push(s.result);
        } else {
            res.warnings.push(format!("JAR signer {} signs no entry and is ignored", s.result.name));
        }
    }
    res.verified = true;
    res
}

/// One entry's check against MANIFEST.MF: an error found from the names
/// alone (the entry's name and why), or the digests its bytes must have.
enum EntryCheck<'d> {
    Failed(&'d str, Failure<'d>),
    Hash(&'d ZipEntry, Vec<(Hash, Vec<u8>)>),
}

/// Why an entry fails from the names alone.
enum Failure<'d> {
    NoDigest,
    Unsigned,
    /// Signed by another set of signers than this first signed entry.
    OtherSigners(&'d str),
    NoUsableDigest,
}

impl Failure<'_> {
    /// The error for entry `n`.
    fn message(&self, n: &str) -> String {
        match self {
            Failure::NoDigest => format!("no digest for {n} in META-INF/MANIFEST.MF"),
            Failure::Unsigned => format!("{n} is not signed by any JAR signer (absent from every .SF)"),
            Failure::OtherSigners(first) => format!("{n} is signed by different JAR signers than {first}"),
            Failure::NoUsableDigest => format!("no usable digest for {n} in META-INF/MANIFEST.MF"),
        }
    }
}

/// Entries hashed per parallel task at least (most entries are small).
const ENTRIES_PER_TASK: usize = 16;

/// The errors of the hashed `checks`, by index into `checks` (ascending;
/// entries without errors left out): the digests are computed in parallel
/// on the pool, largest entry first (one big DEX is most of the work, and it
/// may be the archive's last entry), each task inflating into one buffer of
/// its own.
fn entry_digest_errors(inp: &V1Input<'_>, checks: &[EntryCheck<'_>]) -> Vec<(usize, Vec<String>)> {
    use rayon::prelude::*;
    let mut order: Vec<(usize, u64)> = checks
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            EntryCheck::Hash(e, _) => Some((i, e.uncompressed_size)),
            EntryCheck::Failed(..) => None,
        })
        .collect();
    order.sort_by_key(|&(_, size)| std::cmp::Reverse(size));
    // None: the analysis is inflating the entry; it is checked at the end.
    let check = |buf: &mut Vec<u8>, i: usize, wait: bool| -> Option<Vec<String>> {
        match checks.get(i) {
            Some(EntryCheck::Hash(e, expected)) => entry_digest_check(inp, e, expected, buf, wait),
            _ => Some(Vec::new()),
        }
    };
    let mut per_check: Vec<(usize, Option<Vec<String>>)> = order
        .par_iter()
        .with_min_len(ENTRIES_PER_TASK)
        .map_init(Vec::new, |buf, &(i, _)| (i, check(buf, i, false)))
        .collect();
    let mut buf = Vec::new();
    for (i, errors) in &mut per_check {
        if errors.is_none() {
            *errors = check(&mut buf, *i, true);
        }
    }
    per_check.sort_unstable_by_key(|(i, _)| *i);
    per_check.into_iter().filter_map(|(i, errors)| errors.filter(|e| !e.is_empty()).map(|e| (i, e))).collect()
}

/// What an entry's bytes fail against its expected digests; None (unless
/// `wait`) when the analysis is inflating the entry.
fn entry_digest_check(
    inp: &V1Input<'_>,
    e: &ZipEntry,
    expected: &[(Hash, Vec<u8>)],
    buf: &mut Vec<u8>,
    wait: bool,
) -> Option<Vec<String>> {
    let compare = |data: &[u8]| -> Vec<String> {
        expected
            .iter()
            .filter(|(h, want)| h.digest(&[data]) != *want)
            .map(|(h, _)| format!("{} digest of {} does not match META-INF/MANIFEST.MF", h.name(), e.name))
            .collect()
    };
    if let Some(shared) = inp.shared.filter(|_| e.method == crate::formats::zip::METHOD_DEFLATED) {
        let taken = if wait { shared.wait_take(e) } else { shared.take(e) };
        match taken {
            super::shared::Taken::Bytes(bytes, n) => return Some(compare(bytes.get(..n).unwrap_or_default())),
            super::shared::Taken::Later => return None,
            super::shared::Taken::Yourself => {}
        }
    }
    // Stored entries are hashed in place (no copy, no CRC pass); the
    // others are inflated into the task's buffer.
    let in_memory = match inp.apk {
        Source::Memory(apk) => Some(apk),
        Source::File(_) => None,
    };
    let stored = in_memory
        .filter(|_| e.method == 0)
        .and_then(|apk| Some((apk, inp.dir.data_range(apk, e).ok()?)))
        .and_then(|(apk, (start, len, _))| apk.get(start..start.checked_add(len)?));
    let data: &[u8] = match stored {
        Some(d) => d,
        None => match read_entry_into(inp, e, buf) {
            Ok(d) => d,
            Err(err) => return Some(vec![err]),
        },
    };
    Some(compare(data))
}

fn verify_sf_against_manifest(
    inp: &V1Input<'_>,
    s: &mut SignerState<'_>,
    manifest: &[u8],
    main: &Section<'_>,
    spans: &[Span<'_>],
    by_name: &HashMap<&str, usize>,
) {
    let sf_name = s.sf.name.clone();
    let sf_bytes = std::mem::take(&mut s.sf_bytes);
    let mut it = Sections::new(&sf_bytes);
    let sf_main = it.next().unwrap_or_default();
    if sf_main.get("Signature-Version").is_none() {
        s.result.errors.push(format!("{sf_name} has no Signature-Version attribute"));
        s.ignored = true;
        return;
    }
    if inp.max_sdk >= SDK_N {
        if let Some(list) = sf_main.get("X-Android-APK-Signed") {
            if !inp.supported_scheme_ids.is_empty() {
                for id in list.split(',').filter_map(|t| t.trim().parse::<u32>().ok()) {
                    if inp.supported_scheme_ids.contains(&id) && !inp.found_scheme_ids.contains(&id) {
                        s.result.errors.push(format!(
                            "{sf_name} says the APK is signed with APK Signature Scheme v{id} (X-Android-APK-Signed), but no such signature was found (stripped)"
                        ));
                    }
                }
            }
        }
        if !s.result.errors.is_empty() {
            return;
        }
    }
    let signtool = sf_main.get("Created-By").is_some_and(|c| c.contains("signtool"));
    let whole =
        digests_to_verify(&sf_main, if signtool { "-Digest" } else { "-Digest-Manifest" }, inp.min_sdk, inp.max_sdk);
    let manifest_verified = !whole.is_empty() && whole.iter().all(|(h, d)| h.digest(&[manifest]) == *d);
    if !signtool {
        let main_bytes = manifest.get(main.start..main.start.saturating_add(main.size)).unwrap_or(&[]);
        for (h, d) in digests_to_verify(&sf_main, "-Digest-Manifest-Main-Attributes", inp.min_sdk, inp.max_sdk) {
            if h.digest(&[main_bytes]) != d {
                s.result
                    .errors
                    .push(format!("{} digest of META-INF/MANIFEST.MF main section does not match {sf_name}", h.name()));
            }
        }
    }
    if !s.result.errors.is_empty() {
        return;
    }
    let mut seen: HashSet<Cow<'_, str>> = HashSet::new();
    // The manifest sections this file has a section for.
    let mut signed = vec![false; spans.len()];
    let mut listed = Listed::default();
    let what = format!("about the sections of {sf_name}");
    for (i, sec) in it.by_ref().enumerate() {
        // These two end the check: the errors counted so far are counted
        // in the report first.
        let Some(name) = sec.name_cow() else {
            listed.finish(&mut s.result.errors, &what);
            s.result.errors.push(format!("{sf_name} section #{} has no name", i + 1));
            s.ignored = true;
            return;
        };
        if !seen.insert(name.clone()) {
            listed.finish(&mut s.result.errors, &what);
            s.result.errors.push(format!("{sf_name} has more than one section for {name}"));
            s.ignored = true;
            return;
        }
        let at = by_name.get(name.as_ref()).copied();
        if let Some(flag) = at.and_then(|at| signed.get_mut(at)) {
            *flag = true;
        }
        if manifest_verified {
            continue;
        }
        let Some((start, size, _)) = at.and_then(|at| spans.get(at)) else {
            listed.push(&mut s.result.errors, || {
                format!("{name} is listed in {sf_name} but has no META-INF/MANIFEST.MF section")
            });
            s.ignored = true;
            continue;
        };
        let expected = digests_to_verify(&sec, "-Digest", inp.min_sdk, inp.max_sdk);
        if expected.is_empty() {
            listed.push(&mut s.result.errors, || format!("no digest for {name} in {sf_name}"));
            continue;
        }
        let mut size = *size;
        if signtool {
            let end = start.saturating_add(size);
            if end >= 2 && manifest.get(end - 1) == Some(&b'\n') && manifest.get(end - 2) == Some(&b'\n') {
                size = size.saturating_sub(1);
            }
        }
        let bytes = manifest.get(*start..start.saturating_add(size)).unwrap_or(&[]);
        for (h, d) in expected {
            if h.digest(&[bytes]) != d {
                listed.push(&mut s.result.errors, || {
                    format!("{} digest of META-INF/MANIFEST.MF section for {name} does not match {sf_name}", h.name())
                });
            }
        }
    }
    listed.finish(&mut s.result.errors, &what);
    if it.truncated() {
        s.result.errors.push(format!("{sf_name} has more than {MAX_SECTIONS} sections; the rest are not read"));
    }
    s.sf_entries = signed;
}

/// A SignerInfo of the PKCS#7 block, borrowed.
struct SignerInfo<'a> {
    sid: Element<'a>,
    digest_oid: String,
    signed_attrs: Option<Element<'a>>,
    sig_oid: String,
    signature: Vec<u8>,
}

struct SignedData<'a> {
    content_type: String,
    certs: Vec<&'a [u8]>,
    infos: Vec<SignerInfo<'a>>,
}

fn alg_oid(e: &Element<'_>) -> Result<String, der::Error> {
    let mut c = e.children();
    c.required("algorithm")?.expect_tag(der::OID, "algorithm")?.oid()
}

fn parse_signed_data(data: &[u8]) -> Result<SignedData<'_>, String> {
    let f = |e: der::Error| e.to_string();
    let ci = der::parse(data).map_err(f)?.expect_tag(der::SEQUENCE, "ContentInfo").map_err(f)?;
    let mut c = ci.children();
    let ct = c.required("contentType").map_err(f)?.oid().map_err(f)?;
    if ct != "1.2.840.113549.1.7.2" {
        return Err(format!("unsupported ContentInfo.contentType {ct}"));
    }
    let content = c.required("content").map_err(f)?;
    let sd =
        content.children().required("SignedData").map_err(f)?.expect_tag(der::SEQUENCE, "SignedData").map_err(f)?;
    let mut fields = sd.children();
    fields.required("version").map_err(f)?;
    fields.required("digestAlgorithms").map_err(f)?;
    let encap = fields.required("encapContentInfo").map_err(f)?;
    let content_type = encap.children().required("eContentType").map_err(f)?.oid().map_err(f)?;
    let mut out = SignedData { content_type, certs: Vec::new(), infos: Vec::new() };
    let mut next = fields.required("signerInfos").map_err(f)?;
    if next.is_context(0) {
        for cert in next.children().take(256) {
            let cert = cert.map_err(f)?;
            if cert.is_universal(der::SEQUENCE) {
                out.certs.push(cert.raw);
            }
        }
        next = fields.required("signerInfos").map_err(f)?;
    }
    if next.is_context(1) {
        next = fields.required("signerInfos").map_err(f)?;
    }
    for si in next.children().take(64) {
        let si = si.map_err(f)?;
        let mut s = si.children();
        s.required("version").map_err(f)?;
        let sid = s.required("sid").map_err(f)?;
        let digest_oid = alg_oid(&s.required("digestAlgorithm").map_err(f)?).map_err(f)?;
        let signed_attrs = s.optional_context(0).map_err(f)?;
        let sig_oid = alg_oid(&s.required("signatureAlgorithm").map_err(f)?).map_err(f)?;
        let signature = s.required("signature").map_err(f)?.string_bytes().map_err(f)?.to_vec();
        out.infos.push(SignerInfo { sid, digest_oid, signed_attrs, sig_oid, signature });
    }
    Ok(out)
}

fn trim_int(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or(&[])
}

fn find_cert<'a>(certs: &[Certificate<'a>], sid: &Element<'_>) -> Option<usize> {
    if sid.is_context(0) {
        return certs.iter().position(|c| c.subject_key_id == Some(sid.content));
    }
    let mut p = sid.children();
    let issuer = p.next()?.ok()?;
    let serial = p.next()?.ok()?;
    let issuer_text = crate::formats::x509::format_name(&issuer).ok();
    certs.iter().position(|c| {
        trim_int(serial.content) == trim_int(c.serial_bytes)
            && (issuer.raw == c.issuer_raw || issuer_text.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(&c.issuer)))
    })
}

/// Signature OID → (hash used by the signature or None for "digest
/// algorithm decides", key family).
fn sig_oid_info(oid: &str) -> Option<(Option<Hash>, &'static str)> {
    Some(match oid {
        "1.2.840.113549.1.1.1" => (None, "RSA"),
        "1.2.840.113549.1.1.4" => (Some(Hash::Md5), "RSA"),
        "1.2.840.113549.1.1.5" => (Some(Hash::Sha1), "RSA"),
        "1.2.840.113549.1.1.14" => (Some(Hash::Sha224), "RSA"),
        "1.2.840.113549.1.1.11" => (Some(Hash::Sha256), "RSA"),
        "1.2.840.113549.1.1.12" => (Some(Hash::Sha384), "RSA"),
        "1.2.840.113549.1.1.13" => (Some(Hash::Sha512), "RSA"),
        "1.2.840.10040.4.1" => (None, "DSA"),
        "1.2.840.10040.4.3" => (Some(Hash::Sha1), "DSA"),
        "2.16.840.1.101.3.4.3.1" => (Some(Hash::Sha224), "DSA"),
        "2.16.840.1.101.3.4.3.2" => (Some(Hash::Sha256), "DSA"),
        "2.16.840.1.101.3.4.3.3" => (Some(Hash::Sha384), "DSA"),
        "2.16.840.1.101.3.4.3.4" => (Some(Hash::Sha512), "DSA"),
        "1.2.840.10045.2.1" => (None, "EC"),
        "1.2.840.10045.4.1" => (Some(Hash::Sha1), "EC"),
        "1.2.840.10045.4.3.1" => (Some(Hash::Sha224), "EC"),
        "1.2.840.10045.4.3.2" => (Some(Hash::Sha256), "EC"),
        "1.2.840.10045.4.3.3" => (Some(Hash::Sha384), "EC"),
        "1.2.840.10045.4.3.4" => (Some(Hash::Sha512), "EC"),
        _ => return None,
    })
}

/// apksig `OidConstants.SUPPORTED_SIG_ALG_OIDS`: API levels on which a
/// (digest, signature) pair verifies.
fn supported_levels(digest: Hash, sig: Option<Hash>, family: &str) -> Vec<(u32, u32)> {
    use Hash::*;
    const ALL: (u32, u32) = (0, SDK_MAX);
    let from = |a: u32| (a, SDK_MAX);
    let l21_23 = vec![(21, 23)];
    match (family, sig) {
        ("RSA", None) => match digest {
            Md5 | Sha1 => vec![ALL],
            Sha224 => vec![(0, 8), from(21)],
            Sha256 => vec![(0, 8), from(18)],
            Sha384 | Sha512 => vec![from(18)],
        },
        ("RSA", Some(s)) if s == digest => match s {
            Md5 | Sha224 => vec![(0, 8), from(21)],
            Sha1 => vec![ALL],
            Sha256 => vec![(0, 8), from(18)],
            Sha384 | Sha512 => vec![from(21)],
        },
        ("RSA", Some(s)) => match (digest, s) {
            (Sha224, Sha256) | (Sha256, Sha1) | (Sha512, Sha384) => vec![(21, 21)],
            _ => l21_23,
        },
        ("DSA", None) => match digest {
            Sha1 => vec![ALL],
            Sha224 | Sha256 => vec![from(22)],
            _ => vec![],
        },
        ("DSA", Some(s)) if s == digest => match s {
            Sha1 => vec![from(9)],
            Sha224 | Sha256 => vec![from(21)],
            _ => vec![],
        },
        ("DSA", Some(s)) => {
            if matches!(s, Sha1 | Sha224 | Sha256) {
                l21_23
            } else {
                vec![]
            }
        }
        ("EC", None) => match digest {
            Md5 => vec![],
            Sha224 => vec![from(21)],
            _ => vec![from(18)],
        },
        ("EC", Some(s)) if s == digest => match s {
            Sha1 => vec![from(18)],
            _ => vec![from(21)],
        },
        ("EC", Some(_)) => l21_23,
        _ => vec![],
    }
}

fn range_covered(min: u32, max: u32, ranges: &[(u32, u32)]) -> bool {
    let mut at = min;
    loop {
        let Some(&(_, hi)) = ranges.iter().find(|(lo, hi)| *lo <= at && at <= *hi) else { return false };
        if hi >= max {
            return true;
        }
        at = hi.saturating_add(1);
    }
}

fn verify_block_against_sf(inp: &V1Input<'_>, s: &mut SignerState<'_>) {
    let block_name = s.block.name.clone();
    let sf_name = s.sf.name.clone();
    let block = match read_entry(inp, s.block) {
        Ok(b) => b,
        Err(e) => {
            s.result.errors.push(e);
            return;
        }
    };
    s.sf_bytes = match read_entry(inp, s.sf) {
        Ok(b) => b,
        Err(e) => {
            s.result.errors.push(e);
            return;
        }
    };
    let sd = match parse_signed_data(&block) {
        Ok(sd) => sd,
        Err(e) => {
            s.result.errors.push(format!("failed to parse {block_name}: {e}"));
            return;
        }
    };
    if sd.infos.is_empty() {
        s.result.errors.push(format!("{block_name} has no SignerInfo"));
        return;
    }
    let mut certs = Vec::new();
    for raw in &sd.certs {
        match Certificate::parse(raw) {
            Ok(c) => certs.push(c),
            Err(e) => {
                s.result.errors.push(format!("failed to parse a certificate of {block_name}: {e}"));
                return;
            }
        }
    }
    let tries = if inp.min_sdk < SDK_N { 1 } else { sd.infos.len() };
    let mut verified: Option<usize> = None;
    for info in sd.infos.iter().take(tries) {
        match verify_signer_info(inp, &sd, &certs, info, &s.sf_bytes) {
            Ok(Some(ci)) => {
                if verified.is_none() {
                    verified = Some(ci);
                }
            }
            Ok(None) => {}
            Err(e) => {
                s.result.errors.push(format!("{block_name}: {e}"));
                return;
            }
        }
    }
    let Some(leaf) = verified else {
        s.result.errors.push(format!("{block_name} signature did not verify against {sf_name}"));
        return;
    };
    // Chain: the leaf, then issuers found among the other certificates.
    let mut used = vec![leaf];
    let mut cur = leaf;
    while let Some(c) = certs.get(cur) {
        if c.subject == c.issuer {
            break;
        }
        match certs.iter().enumerate().find(|(i, o)| !used.contains(i) && o.subject == c.issuer) {
            Some((i, _)) => {
                used.push(i);
                cur = i;
            }
            None => break,
        }
    }
    s.result.chain = used.iter().filter_map(|&i| certs.get(i)).map(|c| c.raw.to_vec()).collect();
}

/// Ok(Some(cert index)) when verified, Ok(None) when this SignerInfo does not
/// verify (others may), Err for a fatal problem.
fn verify_signer_info(
    inp: &V1Input<'_>,
    sd: &SignedData<'_>,
    certs: &[Certificate<'_>],
    info: &SignerInfo<'_>,
    sf: &[u8],
) -> Result<Option<usize>, String> {
    let digest =
        Hash::from_oid(&info.digest_oid).ok_or_else(|| format!("unsupported digest algorithm {}", info.digest_oid))?;
    let (sig_hash, family) =
        sig_oid_info(&info.sig_oid).ok_or_else(|| format!("unsupported signature algorithm {}", info.sig_oid))?;
    let levels = supported_levels(digest, sig_hash, family);
    if !range_covered(inp.min_sdk, inp.max_sdk, &levels) {
        return Err(format!(
            "digest algorithm {} with signature algorithm {} is not supported on all API levels {}+",
            digest.name(),
            info.sig_oid,
            inp.min_sdk
        ));
    }
    let ci =
        find_cert(certs, &info.sid).ok_or("signing certificate referenced in SignerInfo not found in SignedData")?;
    let cert = certs.get(ci).ok_or("certificate index")?;
    let spki = super::v2v3::cert_spki(cert.raw).ok_or("certificate without public key")?;
    let key = crypto::parse_spki(spki)?;
    let padding = if family == "RSA" { Padding::Pkcs1 } else { Padding::Dsa };
    let hash = sig_hash.unwrap_or(digest);
    let message: Vec<u8> = match &info.signed_attrs {
        Some(attrs) => {
            if inp.min_sdk < SDK_KITKAT {
                return Err(format!("signed attributes are broken on API levels below {SDK_KITKAT}"));
            }
            let mut content_type = None;
            let mut message_digest = None;
            let mut seen = HashSet::new();
            for a in attrs.children() {
                let a = a.map_err(|e| format!("failed to parse signed attributes: {e}"))?;
                let mut c = a.children();
                let oid = c.required("attrType").and_then(|o| o.oid()).map_err(|e| e.to_string())?;
                if !seen.insert(oid.clone()) {
                    return Err(format!("duplicate signed attribute {oid}"));
                }
                let values: Vec<Element<'_>> =
                    c.required("attrValues").map_err(|e| e.to_string())?.children().filter_map(Result::ok).collect();
                if values.len() > 1 && (oid == "1.2.840.113549.1.9.3" || oid == "1.2.840.113549.1.9.4") {
                    return Err(format!("signed attribute {oid} has multiple values"));
                }
                match oid.as_str() {
                    "1.2.840.113549.1.9.3" => content_type = values.first().and_then(|v| v.oid().ok()),
                    "1.2.840.113549.1.9.4" => {
                        message_digest = values.first().and_then(|v| v.string_bytes().ok()).map(|b| b.to_vec())
                    }
                    _ => {}
                }
            }
            if inp.max_sdk >= SDK_N {
                let ct = content_type.ok_or("no content type in signed attributes")?;
                if ct != sd.content_type {
                    return Ok(None);
                }
            }
            let md = message_digest.ok_or("no message digest in signed attributes")?;
            if md != digest.digest(&[sf]) {
                return Ok(None);
            }
            let mut m = vec![0x31u8];
            m.extend_from_slice(attrs.raw.get(1..).unwrap_or(&[]));
            m
        }
        None => sf.to_vec(),
    };
    match crypto::verify(&key, padding, hash, &[&message], &info.signature) {
        Ok(true) => Ok(Some(ci)),
        Ok(false) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_continuations() {
        let m = b"Manifest-Version: 1.0\r\n\r\nName: a/very-long\r\n name.txt\r\nSHA-256-Digest: AAEC\r\n\r\nName: b\nSHA1-Digest: AQ==\n";
        let s = parse_sections(m);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].get("manifest-version"), Some("1.0"));
        assert_eq!(s[1].name(), Some("a/very-longname.txt"));
        assert_eq!(
            &m[s[1].start..s[1].start + s[1].size],
            &b"Name: a/very-long\r\n name.txt\r\nSHA-256-Digest: AAEC\r\n\r\n"[..]
        );
        assert_eq!(s[0].size, 25);
        assert_eq!(s[2].name(), Some("b"));
        assert_eq!(s[2].start + s[2].size, m.len());
    }

    #[test]
    fn attributes_are_borrowed_unless_continued_or_invalid_and_read_again_the_same() {
        let m = b"Manifest-Version: 1.0\r\n\r\n \
                  lead: space\nName: a/very-long\r\n name.txt\r\nSHA-256-Digest: AAEC\r\n\r\n\
                  Name: b\xff\nSHA1-Digest: AQ==\n\n\n\
                  Name: c\rX: y\r\rName: d\r\n \xc3\r\n \xa9\r\nno colon\r\n";
        let s = parse_sections(m);
        assert_eq!(s.len(), 5);
        let borrowed = |c: &Cow<'_, str>| matches!(c, Cow::Borrowed(_));
        assert!(s[0].attrs.iter().all(|(k, v)| borrowed(k) && borrowed(v)));
        // A first line that starts with a space is an attribute of its own.
        assert_eq!(s[1].attrs[0], (Cow::Borrowed(" lead"), Cow::Borrowed("space")));
        assert_eq!(s[1].name(), Some("a/very-longname.txt"));
        assert!(!borrowed(&s[1].attrs[1].1) && borrowed(&s[1].attrs[2].1));
        assert_eq!(s[2].name(), Some("b\u{fffd}"));
        assert!(!borrowed(&s[2].attrs[0].1) && borrowed(&s[2].attrs[1].1));
        assert_eq!(s[3].get("x"), Some("y"));
        // A character split over a continuation is joined before decoding.
        assert_eq!(s[4].name(), Some("d\u{e9}"));
        assert_eq!(s[4].attrs[1], (Cow::Borrowed("no colon"), Cow::Borrowed("")));
        assert_eq!(s[4].start + s[4].size, m.len());
        // Each section read again from its own bytes (as entries' digests
        // are) has the same attributes.
        for sec in &s {
            let again = section_at(m, Some(&(sec.start, sec.size, None)));
            assert_eq!(again.attrs, sec.attrs);
            assert_eq!(again.size, sec.size);
        }
        // A file of empty lines has none.
        assert!(parse_sections(b"\r\n\n").is_empty());
    }

    #[test]
    fn sections_past_the_cap_are_reported_as_left_unread() {
        let file = |n: usize, tail: &[u8]| {
            let mut d = b"Name: a\n\n".repeat(n);
            d.extend_from_slice(tail);
            d
        };
        let exactly = file(MAX_SECTIONS, b"\r\n\n");
        let mut it = Sections::new(&exactly);
        assert_eq!(it.by_ref().count(), MAX_SECTIONS);
        assert!(!it.truncated());
        let more = file(MAX_SECTIONS + 1, b"");
        let mut it = Sections::new(&more);
        assert_eq!(it.by_ref().count(), MAX_SECTIONS);
        assert!(it.truncated());
        let fewer = file(3, b"");
        let mut it = Sections::new(&fewer);
        assert_eq!(it.by_ref().count(), 3);
        assert!(!it.truncated());
    }

    /// Runs the `.SF` check of `sf` against `mf` as `verify` does.
    fn sf_check(mf: &[u8], sf: Vec<u8>) -> (V1Signer, bool, Vec<bool>) {
        let dir = ZipDirectory::default();
        let inp = V1Input {
            apk: Source::Memory(&[]),
            dir: &dir,
            min_sdk: 24,
            max_sdk: SDK_MAX,
            supported_scheme_ids: &[],
            found_scheme_ids: &[],
            max_entry_bytes: 1 << 20,
            entry_digests: false,
            shared: None,
        };
        let mut sections = Sections::new(mf);
        let main = sections.next().unwrap();
        let spans = spans_of(&mut sections);
        let by_name: HashMap<&str, usize> =
            spans.iter().enumerate().filter_map(|(i, (_, _, n))| Some((n.as_deref()?, i))).collect();
        let block = ZipEntry { name: "META-INF/A.RSA".into(), ..ZipEntry::default() };
        let sf_entry = ZipEntry { name: "META-INF/A.SF".into(), ..ZipEntry::default() };
        let mut st = SignerState {
            block: &block,
            sf: &sf_entry,
            result: V1Signer::default(),
            sf_bytes: sf,
            sf_entries: Vec::new(),
            ignored: false,
        };
        verify_sf_against_manifest(&inp, &mut st, mf, &main, &spans, &by_name);
        (st.result, st.ignored, st.sf_entries)
    }

    #[test]
    fn sf_section_errors_are_listed_up_to_the_cap_and_counted_also_when_the_check_ends_early() {
        // 150 sections, each with a digest in the .SF that does not match
        // its manifest section (no whole-manifest digest, so each is checked).
        let mut mf = b"Manifest-Version: 1.0\r\n\r\n".to_vec();
        let mut sf = b"Signature-Version: 1.0\r\n\r\n".to_vec();
        for i in 0..150 {
            mf.extend_from_slice(format!("Name: e{i}\r\nSHA-256-Digest: AA==\r\n\r\n").as_bytes());
            sf.extend_from_slice(format!("Name: e{i}\r\nSHA-256-Digest: AA==\r\n\r\n").as_bytes());
        }
        let mismatch =
            |i: usize| format!("SHA-256 digest of META-INF/MANIFEST.MF section for e{i} does not match META-INF/A.SF");
        let more = "50 more errors about the sections of META-INF/A.SF, not listed (the first 100 are)";
        let (r, ignored, signed) = sf_check(&mf, sf.clone());
        assert!(!ignored);
        assert_eq!(r.errors.len(), MAX_LISTED_ERRORS + 1);
        assert!(r.errors.iter().take(MAX_LISTED_ERRORS).enumerate().all(|(i, e)| *e == mismatch(i)));
        assert_eq!(r.errors.last().map(String::as_str), Some(more));
        assert_eq!(signed, vec![true; 150]);
        // A section without a name ends the check: the count comes before it.
        sf.extend_from_slice(b"X-Other: 1\r\n\r\n");
        let (r, ignored, signed) = sf_check(&mf, sf);
        assert!(ignored);
        assert_eq!(r.errors.len(), MAX_LISTED_ERRORS + 2);
        assert_eq!(r.errors[MAX_LISTED_ERRORS], more);
        assert_eq!(r.errors[MAX_LISTED_ERRORS + 1], "META-INF/A.SF section #151 has no name");
        assert!(signed.is_empty());
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(base64("AAEC"), Some(vec![0, 1, 2]));
        assert_eq!(base64("AQ=="), Some(vec![1]));
        assert_eq!(base64("A*=="), None);
    }

    #[test]
    fn digest_selection() {
        let s = Section {
            attrs: vec![("SHA1-Digest".into(), "AQ==".into()), ("SHA-256-Digest".into(), "Ag==".into())],
            ..Section::default()
        };
        // JB MR2+: strongest only.
        assert_eq!(digests_to_verify(&s, "-Digest", 21, SDK_MAX), vec![(Hash::Sha256, vec![2])]);
        // Older platforms use SHA1 via Digest-Algorithms default, plus the strongest for newer.
        assert_eq!(digests_to_verify(&s, "-Digest", 4, SDK_MAX), vec![(Hash::Sha1, vec![1]), (Hash::Sha256, vec![2])]);
    }

    #[test]
    fn digest_attributes_are_empty_exactly_when_the_digests_are() {
        let sec = |attrs: &[(&'static str, &'static str)]| Section {
            attrs: attrs.iter().map(|&(k, v)| (Cow::Borrowed(k), Cow::Borrowed(v))).collect(),
            ..Section::default()
        };
        let sections = [
            sec(&[]),
            sec(&[("SHA1-Digest", "AQ==")]),
            sec(&[("SHA-256-Digest", "Ag==")]),
            sec(&[("SHA-384-Digest", "Ag==")]),
            sec(&[("Digest-Algorithms", "SHA-384"), ("SHA-384-Digest", "Ag==")]),
            sec(&[("Digest-Algorithms", "MD5 SHA-256"), ("MD5-Digest", "*"), ("SHA-256-Digest", "Ag==")]),
            sec(&[("Digest-Algorithms", "SHA-256"), ("SHA-256-Digest", "Ag==")]),
            sec(&[("Digest-Algorithms", "NOPE"), ("SHA1-Digest", "AQ==")]),
            sec(&[("SHA1-Digest", "not base64!")]),
        ];
        let mut empty = 0;
        for s in &sections {
            for (min, max) in [(1, SDK_MAX), (8, 17), (9, 17), (17, 18), (18, SDK_MAX), (24, SDK_MAX), (1, 1)] {
                let decoded = digests_to_verify(s, "-Digest", min, max);
                let raw = digest_attributes(s, "-Digest", min, max);
                assert_eq!(decoded.is_empty(), raw.is_empty(), "{:?} at {min}-{max}", s.attrs);
                let hashes: Vec<Hash> = raw.iter().map(|(h, _)| *h).collect();
                assert!(decoded.iter().all(|(h, _)| hashes.contains(h)));
                empty += usize::from(raw.is_empty());
            }
        }
        // Both outcomes occur.
        assert!(empty > 0 && empty < sections.len() * 7, "{empty}");
    }

    #[test]
    fn algorithm_support_ranges() {
        assert!(range_covered(1, SDK_MAX, &supported_levels(Hash::Sha1, Some(Hash::Sha1), "RSA")));
        assert!(!range_covered(1, SDK_MAX, &supported_levels(Hash::Sha256, Some(Hash::Sha256), "RSA")));
        assert!(range_covered(18, SDK_MAX, &supported_levels(Hash::Sha256, Some(Hash::Sha256), "RSA")));
        assert!(!range_covered(23, SDK_MAX, &supported_levels(Hash::Sha384, Some(Hash::Sha384), "DSA")));
        assert!(range_covered(21, 23, &supported_levels(Hash::Sha1, Some(Hash::Sha256), "EC")));
        assert!(!range_covered(1, SDK_MAX, &supported_levels(Hash::Md5, Some(Hash::Md5), "RSA")));
        assert!(range_covered(21, SDK_MAX, &supported_levels(Hash::Md5, Some(Hash::Md5), "RSA")));
    }
}
