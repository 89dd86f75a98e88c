//! The signature set compiled once per run into matchers.
//!
//! - Class names: a map of prefixes probed at package boundaries (`.` and
//!   `$`), longest first — `com.umeng` matches `com.umeng.x` and `com.umeng$y`
//!   but never `com.umengfoo`. A two-segment head set rejects most names
//!   (the app's own code, androidx) after one probe.
//! - Hosts: suffix maps probed at label boundaries, longest first.
//! - File names, manifest keys, certificate digests: exact maps.
//! - Patterns: one `RegexSet` per fact kind.
//! - iOS: framework names exact (`X.framework` = `X`); Objective-C class
//!   prefixes as plain string prefixes, longest first, behind a gate on the
//!   first `MIN_OBJC_PREFIX` bytes; bundle-id prefixes at `.` boundaries.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::{RegexSet, RegexSetBuilder};

use super::{framework_stem, Error, Fast, SignatureSet, Text, MIN_OBJC_PREFIX};

/// Stands for the app's package name in permission markers (Gradle's manifest placeholder).
const APPLICATION_ID: &str = "${applicationId}";

/// Which SDK a marker belongs to.
pub type SdkIdx = usize;

/// The last head [`Matchers::match_class_cached`] found no prefix under,
/// and the result that head gives. One per list of names.
#[derive(Debug, Default)]
pub struct ClassHeadCache<'m> {
    head: String,
    /// Some(result) once `head` is set.
    hit: Option<Option<ClassHit<'m>>>,
}

/// A class-prefix hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassHit<'a> {
    pub sdk: SdkIdx,
    pub prefix: &'a str,
    pub broad: bool,
}

/// One fact kind's anchored patterns. Those made only of literal text and
/// `.*` runs are matched as globs, those of characters, simple classes and
/// repeats as `Linear` patterns; the rest go into one `RegexSet`, built on
/// first use (many apps never need it): building the sets was most of
/// compiling the database, and the built-in one has none to build. Their
/// syntax is checked up front, so a bad pattern still refuses the database
/// before any app is judged.
pub struct PatternSet {
    /// Every pattern as written, with its SDK, in database order.
    patterns: Vec<(Text, SdkIdx)>,
    /// Index into `patterns`, with the glob.
    globs: Vec<(usize, Glob)>,
    /// Index into `patterns`, with the pattern of classes and repeats.
    linears: Vec<(usize, Linear)>,
    /// Indexes into `patterns` of the others, in the order of the set.
    rest: Vec<usize>,
    /// The set of the others, once built. `None` inside: it failed to build
    /// (only a pattern past the regex size limit can, and `signatures check`
    /// names it), and matches none.
    set: OnceLock<Option<RegexSet>>,
}

impl PatternSet {
    fn new(patterns: Vec<(Text, SdkIdx)>) -> Result<Self, Error> {
        let mut globs = Vec::new();
        let mut linears = Vec::new();
        let mut rest = Vec::new();
        for (i, (p, _)) in patterns.iter().enumerate() {
            if let Some(g) = Glob::parse(p) {
                globs.push((i, g));
            } else if let Some(l) = Linear::parse(p) {
                linears.push((i, l));
            } else {
                rest.push(i);
            }
        }
        let set = PatternSet { patterns, globs, linears, rest, set: OnceLock::new() };
        if !set.rest.is_empty() {
            // Parses every pattern but stops at the first automaton state.
            match RegexSetBuilder::new(set.rest_texts()).size_limit(0).build() {
                Ok(_) | Err(regex::Error::CompiledTooBig(_)) => {}
                Err(e) => return Err(Error::Invalid(vec![format!("pattern set: {e}")])),
            }
        }
        Ok(set)
    }

    /// Builds the regex set now rather than on first use.
    pub fn warm(&self) {
        if !self.rest.is_empty() {
            self.built();
        }
    }

    fn built(&self) -> &Option<RegexSet> {
        self.set.get_or_init(|| RegexSet::new(self.rest_texts()).ok())
    }

    fn rest_texts(&self) -> impl Iterator<Item = &str> {
        self.rest.iter().filter_map(|&i| self.patterns.get(i).map(|(p, _)| p.as_str()))
    }

    /// SDKs with a pattern matching `text`, with the pattern, in database order.
    pub fn matches(&self, text: &str) -> Vec<(SdkIdx, &str)> {
        if self.patterns.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<usize> = self.globs.iter().filter(|(_, g)| g.is_match(text)).map(|(i, _)| *i).collect();
        let mut sorted = true;
        let before = hits.len();
        hits.extend(self.linears.iter().filter(|(_, l)| l.is_match(text)).map(|(i, _)| *i));
        sorted &= before == 0 || hits.len() == before;
        if !self.rest.is_empty() {
            if let Some(set) = self.built() {
                let before = hits.len();
                hits.extend(set.matches(text).iter().filter_map(|i| self.rest.get(i).copied()));
                sorted &= before == 0 || hits.len() == before;
            }
        }
        if !sorted {
            hits.sort_unstable();
        }
        hits.iter().filter_map(|&i| self.patterns.get(i).map(|(p, sdk)| (*sdk, p.as_str()))).collect()
    }
}

/// A pattern `^a.*b(.*)c$`: literal pieces between `.*` (or `(.*)`) runs,
/// anchored at both ends. It matches exactly what the regex matches: `.` is
/// any character but `\n`, and no piece holds a `\n`, so a text with one
/// never matches; otherwise the first piece is a prefix, the last a suffix
/// after it, and the others occur in order between them.
#[derive(Debug, PartialEq, Eq)]
struct Glob {
    /// One more piece than wildcards; a pattern without wildcard is one piece.
    pieces: Vec<String>,
}

/// Characters the regex syntax gives a meaning (outside classes); escaped,
/// each stands for itself.
const REGEX_META: &str = "\\.+*?()|[]{}^$#&-~";

impl Glob {
    /// The glob of `pattern`, or `None` when it uses anything beyond literal
    /// text, escaped meta characters and `.*` / `(.*)` between `^` and `$`.
    fn parse(pattern: &str) -> Option<Glob> {
        let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
        let mut pieces = vec![String::new()];
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let e = chars.next()?;
                    if !REGEX_META.contains(e) {
                        return None;
                    }
                    pieces.last_mut()?.push(e);
                }
                '.' => {
                    (chars.next()? == '*').then_some(())?;
                    pieces.push(String::new());
                }
                '(' => {
                    (chars.next()? == '.' && chars.next()? == '*' && chars.next()? == ')').then_some(())?;
                    pieces.push(String::new());
                }
                // `#`, `&`, `-` and `~` are literal outside classes; the rest are operators.
                '+' | '*' | '?' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' => return None,
                '\n' => return None,
                c => pieces.last_mut()?.push(c),
            }
        }
        Some(Glob { pieces })
    }

    fn is_match(&self, text: &str) -> bool {
        let Some((first, rest)) = self.pieces.split_first() else { return false };
        let Some((last, middle)) = rest.split_last() else { return text == first };
        if text.contains('\n') {
            return false;
        }
        let Some(mut t) = text.strip_prefix(first.as_str()).and_then(|t| t.strip_suffix(last.as_str())) else {
            return false;
        };
        for piece in middle {
            match t.split_once(piece.as_str()) {
                Some((_, after)) => t = after,
                None => return false,
            }
        }
        true
    }
}

/// A pattern `^(.+\.)?mst[0-9]*\.is\.com$`: characters, `.` and simple
/// classes (`[a-z.]`: ASCII letters and digits, their ranges, `.` and `_`),
/// each once or repeated (`*`, `+`), in groups or not, a group at most
/// optional (`(…)?`), anchored at both ends. Matched by following every
/// place the pattern can be at, one character at a time (a small NFA, in
/// time linear in the text), after checking that the text holds the
/// pattern's longest run of plain characters. It matches exactly what the
/// regex matches: `.` is any character but `\n`; a class is ASCII only.
#[derive(Debug, PartialEq, Eq)]
struct Linear {
    /// The pattern without its optional groups, then with each (at most 4).
    alternatives: Vec<Steps>,
}

#[derive(Debug, PartialEq, Eq, Clone)]
struct Steps {
    steps: Vec<Step>,
    /// The longest run of characters each taken once, which every match holds.
    needle: String,
    /// Bit i: step i is repeated.
    stars: u128,
}

#[derive(Debug, PartialEq, Eq, Clone)]
struct Step {
    class: Class,
    /// Any number of times (`*`); else once.
    repeat: bool,
}

#[derive(Debug, PartialEq, Eq, Clone)]
enum Class {
    Char(char),
    /// `.`
    Any,
    /// Inclusive ranges of ASCII characters.
    Set(Vec<(u8, u8)>),
}

impl Class {
    fn matches(&self, c: char) -> bool {
        match self {
            Class::Char(x) => *x == c,
            Class::Any => c != '\n',
            Class::Set(ranges) => u8::try_from(c).is_ok_and(|b| ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&b))),
        }
    }
}

/// Most steps in one alternative (one bit each while matching).
const MAX_STEPS: usize = 127;
/// Most alternatives (optional groups double them).
const MAX_ALTERNATIVES: usize = 4;

impl Linear {
    /// The pattern, or `None` when it uses anything else.
    fn parse(pattern: &str) -> Option<Linear> {
        let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
        let mut alternatives: Vec<Vec<Step>> = vec![Vec::new()];
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            let mut part = Vec::new();
            let optional = if c == '(' {
                loop {
                    match chars.next()? {
                        ')' => break,
                        c => quantified(Self::atom(c, &mut chars)?, &mut chars, &mut part)?,
                    }
                }
                match chars.peek() {
                    Some('?') => {
                        chars.next();
                        true
                    }
                    Some('*' | '+' | '{') => return None,
                    _ => false,
                }
            } else {
                quantified(Self::atom(c, &mut chars)?, &mut chars, &mut part)?;
                false
            };
            if optional {
                if alternatives.len() * 2 > MAX_ALTERNATIVES {
                    return None;
                }
                let with: Vec<Vec<Step>> =
                    alternatives.iter().map(|a| a.iter().chain(&part).cloned().collect()).collect();
                alternatives.extend(with);
            } else {
                for a in &mut alternatives {
                    a.extend(part.iter().cloned());
                }
            }
        }
        if alternatives.iter().any(|a| a.len() > MAX_STEPS) {
            return None;
        }
        let alternatives = alternatives.into_iter().map(Steps::new).collect();
        Some(Linear { alternatives })
    }

    /// One character, `.`, an escaped meta character or a class.
    fn atom(c: char, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<Class> {
        match c {
            '\\' => {
                let e = chars.next()?;
                REGEX_META.contains(e).then_some(Class::Char(e))
            }
            '.' => Some(Class::Any),
            '[' => {
                let mut ranges = Vec::new();
                loop {
                    let lo = chars.next()?;
                    if lo == ']' && !ranges.is_empty() {
                        return Some(Class::Set(ranges));
                    }
                    let lo = u8::try_from(lo).ok().filter(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')?;
                    let mut hi = lo;
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        hi = u8::try_from(chars.next()?).ok().filter(u8::is_ascii_alphanumeric)?;
                        // Letters to letters of one case, digits to digits.
                        let same = |f: fn(&u8) -> bool| f(&lo) && f(&hi);
                        (lo <= hi
                            && (same(u8::is_ascii_lowercase)
                                || same(u8::is_ascii_uppercase)
                                || same(u8::is_ascii_digit)))
                        .then_some(())?;
                    }
                    ranges.push((lo, hi));
                }
            }
            '+' | '*' | '?' | '(' | ')' | '|' | ']' | '{' | '}' | '^' | '$' | '\n' => None,
            c => Some(Class::Char(c)),
        }
    }

    fn is_match(&self, text: &str) -> bool {
        self.alternatives.iter().any(|a| a.is_match(text))
    }
}

/// Adds `class` with the quantifier that follows it, if any.
fn quantified(class: Class, chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut Vec<Step>) -> Option<()> {
    match chars.peek() {
        Some('*') => {
            chars.next();
            out.push(Step { class, repeat: true });
        }
        Some('+') => {
            chars.next();
            out.push(Step { class: class.clone(), repeat: false });
            out.push(Step { class, repeat: true });
        }
        Some('?' | '{') => return None,
        _ => out.push(Step { class, repeat: false }),
    }
    // A lazy or possessive mark, or a second quantifier, is not read.
    (!matches!(chars.peek(), Some('?' | '*' | '+' | '{'))).then_some(())
}

impl Steps {
    fn new(steps: Vec<Step>) -> Steps {
        let mut needle = String::new();
        let mut run = String::new();
        let mut stars = 0u128;
        for (i, s) in steps.iter().enumerate() {
            match (&s.class, s.repeat) {
                (Class::Char(c), false) => run.push(*c),
                _ => run.clear(),
            }
            if run.len() > needle.len() {
                needle.clone_from(&run);
            }
            if s.repeat {
                stars |= 1 << i;
            }
        }
        Steps { steps, needle, stars }
    }

    fn is_match(&self, text: &str) -> bool {
        if !text.contains(self.needle.as_str()) {
            return false;
        }
        // Bit i: the pattern can be before step i; bit `len`: past its end.
        // A repeated step can be skipped: its bit sets the next one.
        let close = |mut at: u128| loop {
            let more = at | ((at & self.stars) << 1);
            if more == at {
                return at;
            }
            at = more;
        };
        let end = 1u128 << self.steps.len();
        let mut at = close(1);
        for c in text.chars() {
            // Only the places the pattern can be at: a text that keeps
            // matching a repeat costs one step per character, not all.
            let mut next = 0u128;
            let mut live = at & (end - 1);
            while live != 0 {
                let i = live.trailing_zeros() as usize;
                live &= live - 1;
                if self.steps.get(i).is_some_and(|s| s.class.matches(c)) {
                    next |= if self.stars & (1 << i) != 0 { 1 << i } else { 1 << (i + 1) };
                }
            }
            at = close(next);
            if at == 0 {
                return false;
            }
        }
        at & end != 0
    }
}

/// Whether `pattern`, when it is a glob or a `Linear` pattern, matches
/// `text` exactly when the regex does. `Err` says how they differ. For the
/// tests and the `pattern_match` fuzz target.
#[doc(hidden)]
pub fn pattern_agrees_with_regex(pattern: &str, text: &str) -> Result<(), String> {
    let glob = Glob::parse(pattern).map(|g| ("glob", g.is_match(text)));
    let linear = Linear::parse(pattern).map(|l| ("linear", l.is_match(text)));
    if glob.is_none() && linear.is_none() {
        return Ok(());
    }
    let re = regex::Regex::new(pattern).map_err(|e| format!("{pattern:?} is read, but is no regex: {e}"))?;
    let want = re.is_match(text);
    for (kind, got) in glob.into_iter().chain(linear) {
        if got != want {
            return Err(format!("{pattern:?} on {text:?}: the {kind} says {got}, the regex {want}"));
        }
    }
    Ok(())
}

/// Hasher of the per-class lookup maps.
type ClassHash = foldhash::fast::RandomState;

pub struct Matchers {
    pub set: SignatureSet,
    /// Looked up for every DEX class (the hottest map): foldhash, seeded per
    /// process. Only the signature database inserts keys, so app input can
    /// probe but never fill these maps.
    class_prefixes: HashMap<Text, (SdkIdx, bool), ClassHash>,
    /// First two segments (or the whole prefix when it has one) of every class prefix.
    class_heads: HashSet<Text, ClassHash>,
    // The other maps: foldhash too (keys from the database only). Keys are
    // the database's own `Text`s (borrowed from the program for the built-in
    // database, so not copied), and a marker of one SDK allocates no list
    // (`Owners`).
    native_libs: HashMap<Text, SdkIdx, Fast>,
    pub native_lib_patterns: PatternSet,
    meta_data: HashMap<Text, Owners, Fast>,
    components: HashMap<Text, Owners, Fast>,
    pub component_patterns: PatternSet,
    permissions: HashMap<Text, Owners, Fast>,
    /// Permission markers holding `${applicationId}`.
    permission_templates: Vec<(Text, SdkIdx)>,
    intent_actions: HashMap<Text, Owners, Fast>,
    assets: HashMap<Text, Owners, Fast>,
    resource_names: HashMap<Text, Owners, Fast>,
    sdk_domains: HashMap<Text, Owners, Fast>,
    pub domain_patterns: PatternSet,
    cloud_suffixes: HashMap<Text, usize, Fast>,
    publisher_domains: HashMap<Text, usize, Fast>,
    publisher_packages: HashMap<Text, usize, Fast>,
    /// (prefix, publisher) longest first.
    publisher_prefixes: Vec<(Text, usize)>,
    publisher_certs: HashMap<Text, usize, Fast>,
    /// Framework stem (`Bugly` for `Bugly.framework`) → SDK.
    ios_frameworks: HashMap<Text, SdkIdx, Fast>,
    /// Objective-C class prefixes, longest first.
    objc_prefixes: Vec<(Text, SdkIdx)>,
    /// First `MIN_OBJC_PREFIX` bytes of every Objective-C prefix.
    objc_heads: HashSet<Vec<u8>, Fast>,
    /// Bundle-id prefixes, longest first.
    bundle_prefixes: Vec<(Text, SdkIdx)>,
}

/// An `assets` marker without its `assets/` (both forms name the same file).
fn asset_path(marker: &str) -> &str {
    marker.strip_prefix("assets/").unwrap_or(marker)
}

fn head(prefix: &str) -> &str {
    let mut dots = prefix.match_indices(['.', '$']).map(|(i, _)| i);
    let _first = dots.next();
    match dots.next() {
        Some(second) => prefix.get(..second).unwrap_or(prefix),
        None => prefix,
    }
}

/// The SDKs sharing one marker, in the order they claimed it; almost always one.
#[derive(Debug)]
enum Owners {
    One(SdkIdx),
    Many(Vec<SdkIdx>),
}

impl Owners {
    fn as_slice(&self) -> &[SdkIdx] {
        match self {
            Owners::One(i) => std::slice::from_ref(i),
            Owners::Many(v) => v,
        }
    }
}

fn sized<V>(n: usize) -> HashMap<Text, V, Fast> {
    HashMap::with_capacity_and_hasher(n, Fast::default())
}

fn push_multi(map: &mut HashMap<Text, Owners, Fast>, key: &Text, idx: SdkIdx) {
    match map.get_mut(key.as_str()) {
        None => {
            map.insert(key.clone(), Owners::One(idx));
        }
        Some(Owners::One(i)) if *i != idx => {
            let first = *i;
            map.insert(key.clone(), Owners::Many(vec![first, idx]));
        }
        Some(Owners::Many(v)) if !v.contains(&idx) => v.push(idx),
        Some(_) => {}
    }
}

impl Matchers {
    /// Validates and compiles; an invalid set is refused with every problem listed.
    pub fn compile(set: SignatureSet) -> Result<Matchers, Error> {
        let problems = set.validate_structure();
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        // A pattern that does not compile fails its set below; the full
        // validation then names it.
        let named = |e: Error| match set.validate() {
            p if p.is_empty() => e,
            p => Error::Invalid(p),
        };
        // Capacity for every marker of each kind (repeats only leave room).
        let count = |f: fn(&super::Markers) -> usize| set.sdks.iter().map(|s| f(&s.markers)).sum::<usize>();
        let prefixes = count(|m| m.class_prefixes.len() + m.class_prefixes_broad.len());
        let mut class_prefixes = HashMap::with_capacity_and_hasher(prefixes, ClassHash::default());
        let mut class_heads = HashSet::with_capacity_and_hasher(prefixes, ClassHash::default());
        let mut native_libs = sized(count(|m| m.native_libs.len()));
        let mut native_pats = Vec::new();
        let mut meta_data = sized(count(|m| m.meta_data.len()));
        let mut components = sized(count(|m| m.components.len()));
        let mut component_pats = Vec::new();
        let mut permissions = sized(count(|m| m.permissions.len()));
        let mut permission_templates = Vec::new();
        let mut intent_actions = sized(count(|m| m.intent_actions.len()));
        let mut assets = sized(count(|m| m.assets.len()));
        let mut resource_names = sized(count(|m| m.resource_names.len()));
        let mut sdk_domains = sized(count(|m| m.domains.len()));
        let mut domain_pats = Vec::new();
        let mut ios_frameworks = HashMap::default();
        let mut objc_prefixes = Vec::new();
        let mut bundle_prefixes = Vec::new();
        for (i, s) in set.sdks.iter().enumerate() {
            if let Some(ios) = &s.ios {
                for f in &ios.frameworks {
                    ios_frameworks.insert(f.part(framework_stem), i);
                }
                objc_prefixes.extend(ios.objc_class_prefixes.iter().map(|p| (p.clone(), i)));
                bundle_prefixes.extend(ios.bundle_id_prefixes.iter().map(|p| (p.clone(), i)));
            }
            let m = &s.markers;
            for p in &m.class_prefixes {
                class_prefixes.insert(p.clone(), (i, false));
                class_heads.insert(p.part(head));
            }
            for p in &m.class_prefixes_broad {
                class_prefixes.entry(p.clone()).or_insert((i, true));
                class_heads.insert(p.part(head));
            }
            for l in &m.native_libs {
                native_libs.insert(l.clone(), i);
            }
            native_pats.extend(m.native_lib_patterns.iter().map(|p| (p.clone(), i)));
            for k in &m.meta_data {
                push_multi(&mut meta_data, k, i);
            }
            for k in &m.components {
                push_multi(&mut components, k, i);
            }
            component_pats.extend(m.component_patterns.iter().map(|p| (p.clone(), i)));
            for k in &m.permissions {
                if k.contains(APPLICATION_ID) {
                    permission_templates.push((k.clone(), i));
                } else {
                    push_multi(&mut permissions, k, i);
                }
            }
            for k in &m.intent_actions {
                push_multi(&mut intent_actions, k, i);
            }
            for k in &m.assets {
                push_multi(&mut assets, &k.part(asset_path), i);
            }
            for k in &m.resource_names {
                push_multi(&mut resource_names, k, i);
            }
            for d in &m.domains {
                push_multi(&mut sdk_domains, d, i);
            }
            domain_pats.extend(m.domain_patterns.iter().map(|p| (p.clone(), i)));
        }
        let mut cloud_suffixes = sized(set.clouds.iter().map(|c| c.domain_suffixes.len()).sum());
        for (i, c) in set.clouds.iter().enumerate() {
            for d in &c.domain_suffixes {
                cloud_suffixes.insert(d.clone(), i);
            }
        }
        let mut publisher_domains = sized(set.publishers.iter().map(|p| p.domain_suffixes.len()).sum());
        let mut publisher_packages = sized(set.publishers.iter().map(|p| p.packages.len()).sum());
        let mut publisher_prefixes = Vec::new();
        let mut publisher_certs = HashMap::default();
        for (i, p) in set.publishers.iter().enumerate() {
            for d in &p.domain_suffixes {
                publisher_domains.insert(d.clone(), i);
            }
            for k in p.packages.keys() {
                publisher_packages.insert(k.clone(), i);
            }
            for k in &p.package_prefixes {
                publisher_prefixes.push((k.clone(), i));
            }
            for c in &p.cert_sha256 {
                publisher_certs.insert(c.clone(), i);
            }
        }
        publisher_prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        objc_prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        bundle_prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let objc_heads =
            objc_prefixes.iter().filter_map(|(p, _)| p.as_bytes().get(..MIN_OBJC_PREFIX)).map(<[u8]>::to_vec).collect();
        let native_lib_patterns = PatternSet::new(native_pats).map_err(named)?;
        let component_patterns = PatternSet::new(component_pats).map_err(named)?;
        let domain_patterns = PatternSet::new(domain_pats).map_err(named)?;
        Ok(Matchers {
            ios_frameworks,
            objc_prefixes,
            objc_heads,
            bundle_prefixes,
            class_prefixes,
            class_heads,
            native_libs,
            native_lib_patterns,
            meta_data,
            components,
            component_patterns,
            permissions,
            permission_templates,
            intent_actions,
            assets,
            resource_names,
            sdk_domains,
            domain_patterns,
            cloud_suffixes,
            publisher_domains,
            publisher_packages,
            publisher_prefixes,
            publisher_certs,
            set,
        })
    }

    /// Builds now what is otherwise built on first use (the regex sets of
    /// the patterns that are not globs), e.g. on the loader's thread once the
    /// database is published, so the first app judged does not wait for it.
    pub fn warm(&self) {
        self.native_lib_patterns.warm();
        self.component_patterns.warm();
        self.domain_patterns.warm();
    }

    /// The longest class prefix matching `name` at a package boundary.
    pub fn match_class(&self, name: &str) -> Option<ClassHit<'_>> {
        self.match_class_with(name, None)
    }

    /// [`Self::match_class`] over a list of names, with `cache` kept from
    /// one name to the next: class lists come sorted, so a name mostly
    /// repeats the two-segment head (`com.vendor`) of the one before, and
    /// when the database has no prefix under that head the result is the
    /// head's alone.
    pub fn match_class_cached<'m>(&'m self, name: &str, cache: &mut ClassHeadCache<'m>) -> Option<ClassHit<'m>> {
        if let Some(hit) = cache.hit {
            // The same head: the cached one (which holds one boundary),
            // then a boundary or the end of the name.
            if name
                .strip_prefix(cache.head.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '$']))
            {
                return hit;
            }
        }
        self.match_class_with(name, Some(cache))
    }

    fn match_class_with<'m>(&'m self, name: &str, cache: Option<&mut ClassHeadCache<'m>>) -> Option<ClassHit<'m>> {
        let bytes = name.as_bytes();
        let mut boundaries = bytes.iter().enumerate().filter(|(_, b)| **b == b'.' || **b == b'$').map(|(i, _)| i);
        let first = boundaries.next();
        let second = boundaries.next();
        // One-segment prefixes and the two-segment head gate.
        let head_end = second.unwrap_or(name.len());
        let mut best = None;
        if let Some(f) = first {
            if let Some((k, &(sdk, broad))) = self.class_prefixes.get_key_value(name.get(..f)?) {
                best = Some(ClassHit { sdk, prefix: k.as_str(), broad });
            }
        }
        let head = name.get(..head_end)?;
        if !self.class_heads.contains(head) {
            if let (Some(cache), Some(_)) = (cache, first) {
                cache.head.clear();
                cache.head.push_str(head);
                cache.hit = Some(best);
            }
            return best;
        }
        let ends = second.into_iter().chain(boundaries).chain(std::iter::once(name.len()));
        for end in ends {
            if let Some((k, &(sdk, broad))) = self.class_prefixes.get_key_value(name.get(..end)?) {
                best = Some(ClassHit { sdk, prefix: k.as_str(), broad });
            }
        }
        best
    }

    pub fn native_lib(&self, file_name: &str) -> Option<SdkIdx> {
        self.native_libs.get(file_name).copied()
    }

    pub fn meta_data(&self, name: &str) -> &[SdkIdx] {
        self.meta_data.get(name).map(Owners::as_slice).unwrap_or(&[])
    }

    pub fn component(&self, name: &str) -> &[SdkIdx] {
        self.components.get(name).map(Owners::as_slice).unwrap_or(&[])
    }

    /// Permission markers; `${applicationId}` in a marker stands for the app's package.
    pub fn permission(&self, name: &str, package: Option<&str>) -> Vec<SdkIdx> {
        let mut out: Vec<SdkIdx> = self.permissions.get(name).map(|o| o.as_slice().to_vec()).unwrap_or_default();
        if let Some(pkg) = package {
            for (templ, i) in &self.permission_templates {
                if templ.replace(APPLICATION_ID, pkg) == name && !out.contains(i) {
                    out.push(*i);
                }
            }
        }
        out
    }

    pub fn intent_action(&self, name: &str) -> &[SdkIdx] {
        self.intent_actions.get(name).map(Owners::as_slice).unwrap_or(&[])
    }

    /// `path` relative to `assets/`.
    pub fn asset(&self, path: &str) -> &[SdkIdx] {
        self.assets.get(path).map(Owners::as_slice).unwrap_or(&[])
    }

    pub fn resource_name(&self, name: &str) -> &[SdkIdx] {
        self.resource_names.get(name).map(Owners::as_slice).unwrap_or(&[])
    }

    /// SDKs whose domain is a suffix of `host` at a label boundary (longest suffix).
    pub fn sdk_domain(&self, host: &str) -> Option<(&[SdkIdx], &str)> {
        suffixes(host).find_map(|s| self.sdk_domains.get_key_value(s).map(|(k, v)| (v.as_slice(), k.as_str())))
    }

    /// The cloud owning `host`, with the matching suffix.
    pub fn cloud(&self, host: &str) -> Option<(usize, &str)> {
        suffixes(host).find_map(|s| self.cloud_suffixes.get_key_value(s).map(|(k, &v)| (v, k.as_str())))
    }

    /// The publisher owning `host` by its domain suffixes.
    pub fn publisher_domain(&self, host: &str) -> Option<(usize, &str)> {
        suffixes(host).find_map(|s| self.publisher_domains.get_key_value(s).map(|(k, &v)| (v, k.as_str())))
    }

    pub fn publisher_package(&self, package: &str) -> Option<usize> {
        self.publisher_packages.get(package).copied()
    }

    /// Longest publisher package prefix of `package`. Prefixes are matched as
    /// written: a prefix ending in `.` only matches below that package.
    pub fn publisher_prefix(&self, package: &str) -> Option<(usize, &str)> {
        self.publisher_prefixes.iter().find_map(|(p, i)| {
            let hit = if p.ends_with('.') {
                package.starts_with(p.as_str())
            } else {
                package == p || package.strip_prefix(p.as_str()).is_some_and(|r| r.starts_with('.'))
            };
            hit.then_some((*i, p.as_str()))
        })
    }

    pub fn publisher_cert(&self, sha256: &str) -> Option<usize> {
        self.publisher_certs.get(sha256).copied()
    }

    /// The SDK shipping a framework (`Bugly.framework` or `Bugly`).
    pub fn ios_framework(&self, name: &str) -> Option<SdkIdx> {
        self.ios_frameworks.get(framework_stem(name)).copied()
    }

    /// The longest Objective-C class prefix `class` starts with.
    pub fn objc_class(&self, class: &str) -> Option<(SdkIdx, &str)> {
        let head = class.as_bytes().get(..MIN_OBJC_PREFIX)?;
        if !self.objc_heads.contains(head) {
            return None;
        }
        self.objc_prefixes.iter().find(|(p, _)| class.starts_with(p.as_str())).map(|(p, i)| (*i, p.as_str()))
    }

    /// The longest bundle-id prefix of `id` at a `.` boundary.
    pub fn bundle_id(&self, id: &str) -> Option<(SdkIdx, &str)> {
        self.bundle_prefixes.iter().find_map(|(p, i)| {
            let hit = id == p || id.strip_prefix(p.as_str()).is_some_and(|r| r.starts_with('.'));
            hit.then_some((*i, p.as_str()))
        })
    }
}

/// `a.b.c` → `a.b.c`, `b.c`, `c`.
fn suffixes(host: &str) -> impl Iterator<Item = &str> {
    std::iter::once(host).chain(host.match_indices('.').filter_map(move |(i, _)| host.get(i.saturating_add(1)..)))
}

#[cfg(test)]
#[allow(clippy::panic, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_pattern_is_named_even_though_scans_skip_the_per_pattern_check() {
        let sdk: super::super::Sdk = serde_json::from_value(serde_json::json!({
            "id": "x", "name": "X", "vendor": "V", "country": "US", "category": "analytics",
            "prc_linked": false, "collects_data": true, "confidence": "high",
            "markers": { "native_lib_patterns": ["^lib(x\\.so$"] },
            "references": [{ "ref": "test" }]
        }))
        .expect("valid JSON for the struct");
        let set = SignatureSet {
            sdks: vec![sdk],
            clouds: vec![],
            publishers: vec![],
            policies: vec![],
            info: Default::default(),
        };
        assert!(set.validate_structure().is_empty(), "the structural check does not compile patterns");
        let Err(Error::Invalid(problems)) = Matchers::compile(set) else { panic!("a bad pattern must be refused") };
        assert!(problems.iter().any(|p| p.contains("bad regex") && p.contains("lib(x")), "{problems:?}");
    }

    /// One cache carried across a list gives, name by name, what
    /// `match_class` gives: sorted runs, interleavings, heads without a
    /// boundary, heads that are a prefix of another head without one.
    #[test]
    fn cached_class_matching_gives_what_match_class_gives() {
        let sdk = |id: &str, prefixes: &[&str], broad: &[&str]| -> super::super::Sdk {
            serde_json::from_value(serde_json::json!({
                "id": id, "name": id, "vendor": "V", "country": "US", "category": "analytics",
                "prc_linked": false, "collects_data": true, "confidence": "high",
                "markers": { "class_prefixes": prefixes, "class_prefixes_broad": broad },
                "references": [{ "ref": "test" }]
            }))
            .expect("valid JSON for the struct")
        };
        let set = SignatureSet {
            sdks: vec![
                sdk("a", &["com.vendor.sdk", "Foo", "com.Foo.Bar"], &["org.x"]),
                sdk("b", &["com", "a.b$C", "é.ü", "Bar.Q.R"], &["com.vendor"]),
            ],
            clouds: vec![],
            publishers: vec![],
            policies: vec![],
            info: Default::default(),
        };
        let m = Matchers::compile(set).expect("compiles");
        let names = [
            "com.acme.A",
            "com.acme.B",
            "com.acme$1",
            "com.acmeX.A",
            "com.acme",
            "com.acm.e",
            "com.Foo",
            "com.Fo.x",
            "com.Foo.Bar",
            "Bar",
            "Bar.Q.R.S",
            "Bar.Q",
            "com.Foo.Bar$1",
            "com.Foo.Baz",
            "com.FooBar",
            "com.vendor.sdk.A",
            "com.vendor.x",
            "com.vendor",
            "com$x.y",
            "com$x",
            "Foo",
            "Foo.Bar",
            "Foo$1",
            "FooX.y",
            "org.x.Y",
            "org.y.Z",
            "org.x",
            "a.b$C",
            "a.b$C$D",
            "a.b",
            "a.bC.d",
            "é.ü.x",
            "é.ü",
            "é.üx.y",
            "",
            ".",
            "..",
            "a.",
            ".a",
            "$",
            "a$$b",
            "x.y.z",
            "x.y.z",
            "x.y",
            "x.yz.w",
        ];
        let mut sorted = names.to_vec();
        sorted.sort_unstable();
        let interleaved: Vec<&str> = names.iter().zip(names.iter().rev()).flat_map(|(a, b)| [*a, *b]).collect();
        for list in [&names[..], &sorted[..], &interleaved[..]] {
            let mut cache = ClassHeadCache::default();
            for name in list {
                assert_eq!(m.match_class_cached(name, &mut cache), m.match_class(name), "{name:?} in {list:?}");
            }
        }
        assert!(m.match_class("com.acme.A").is_some_and(|h| h.prefix == "com"));
        assert!(m.match_class("com.Foo.Bar$1").is_some_and(|h| h.prefix == "com.Foo.Bar"));
        assert!(m.match_class("Bar.Q.R.S").is_some_and(|h| h.prefix == "Bar.Q.R") && m.match_class("Bar").is_none());
    }

    #[test]
    fn globs_match_exactly_what_their_regex_matches() {
        let patterns = [
            r"^libfoo(.*)\.so$",
            r"^libfoo-(.*)-x\.so$",
            r"^com\.vendor\.(.*)$",
            r"^.*\.wxapi\.Entry$",
            r"^.*\.mid.*$",
            r"^a.*b.*c$",
            r"^exact\.name$",
            r"^$",
            r"^.*$",
            r"^a\$b\-c\(d\)#&~ é(.*)$",
            r"^.*.*x$",
        ];
        let texts = [
            "",
            "libfoo.so",
            "libfoo1.so",
            "libfoo-1-x.so",
            "libfoo--x.so",
            "libfoo-x.so",
            "libfoo\n.so",
            "libfoo.so\n",
            "\nlibfoo.so",
            "com.vendor.",
            "com.vendor.a.B",
            "com.vendorX",
            "x.wxapi.Entry",
            ".wxapi.Entry",
            "wxapi.Entry",
            "a.b.wxapi.Entry\n",
            "x.mid",
            ".mid",
            "mi.d",
            "abc",
            "ac",
            "aXbYc",
            "acb",
            "abcabc",
            "a\nbc",
            "exact.name",
            "exactXname",
            "a$b-c(d)#&~ é",
            "a$b-c(d)#&~ éz",
            "x",
            "xx",
            "\n",
            "é.mid.é",
        ];
        for p in patterns {
            let g = Glob::parse(p).unwrap_or_else(|| panic!("{p} is a glob"));
            let re = regex::Regex::new(p).expect("valid regex");
            for t in texts {
                assert_eq!(g.is_match(t), re.is_match(t), "{p} on {t:?}");
            }
        }
    }

    /// Texts around `pattern`: random strings over its characters and a few
    /// others, strings it matches (each step taken 0-3 times) and those
    /// changed by one character.
    fn texts_around(steps: &[Step], pattern: &str, seed: u64) -> Vec<String> {
        let mut x = seed | 1;
        let mut next = move |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            usize::try_from(x % n.max(1) as u64).unwrap_or(0)
        };
        let mut alphabet: Vec<char> = pattern.chars().filter(|c| !"^$\\".contains(*c)).collect();
        alphabet.extend(['\n', 'é', 'a', 'z', '0', '9', '.', '_', 'A', '-']);
        let pick = |class: &Class, next: &mut dyn FnMut(usize) -> usize| match class {
            Class::Char(c) => *c,
            Class::Any => ['x', '.', 'é', '1'][next(4)],
            Class::Set(r) => {
                let (lo, hi) = r[next(r.len())];
                char::from(lo + u8::try_from(next(usize::from(hi - lo) + 1)).unwrap_or(0))
            }
        };
        let mut out = Vec::new();
        for _ in 0..300 {
            let len = next(24);
            out.push((0..len).map(|_| alphabet[next(alphabet.len())]).collect());
            let mut m = String::new();
            for s in steps {
                let times = if s.repeat { next(4) } else { 1 };
                for _ in 0..times {
                    m.push(pick(&s.class, &mut next));
                }
            }
            out.push(m.clone());
            let mut chars: Vec<char> = m.chars().collect();
            if !chars.is_empty() {
                let at = next(chars.len());
                match next(3) {
                    0 => chars[at] = alphabet[next(alphabet.len())],
                    1 => {
                        chars.remove(at);
                    }
                    _ => chars.insert(at, alphabet[next(alphabet.len())]),
                }
            }
            out.push(chars.into_iter().collect());
        }
        out
    }

    #[test]
    fn linear_patterns_match_what_the_regex_matches() {
        let mut patterns: Vec<String> = [
            r"^libx[0-9]*\.so$",
            r"^(.+\.)?host\.[a-z.]+$",
            r"^a.+$",
            r"^a.$",
            r"^a(.+)$",
            r"^(ab)?c$",
            r"^(a.)?(b[0-9]+)?c$",
            r"^nis.+\.10010\.com$",
            r"^x[A-Z_]+y[0-9a-f]*$",
            r"^[a-c][a-c][a-c]$",
            r"^é[.]*$",
            r"^()?a$",
            r"^ab*c$",
            r"^xa+y$",
        ]
        .map(String::from)
        .to_vec();
        // Every pattern of the shipped database that is not a glob.
        let set = crate::signatures::load(&crate::signatures::repo_dir(), &[]).expect("loads");
        let mut shipped = 0;
        for sdk in &set.sdks {
            let m = &sdk.markers;
            for p in m.native_lib_patterns.iter().chain(&m.component_patterns).chain(&m.domain_patterns) {
                if Glob::parse(p).is_none() {
                    patterns.push(p.to_string());
                    shipped += 1;
                }
            }
        }
        assert!(shipped >= 12, "{shipped}");
        for (n, p) in patterns.iter().enumerate() {
            let l = Linear::parse(p).unwrap_or_else(|| panic!("{p} is linear"));
            let re = regex::Regex::new(p).expect("valid regex");
            let (mut yes, mut no) = (0, 0);
            for a in &l.alternatives {
                for t in texts_around(&a.steps, p, 0x9E37_79B9_7F4A_7C15 ^ n as u64) {
                    let want = re.is_match(&t);
                    assert_eq!(l.is_match(&t), want, "{p} on {t:?}");
                    pattern_agrees_with_regex(p, &t).expect("agrees");
                    if want {
                        yes += 1;
                    } else {
                        no += 1;
                    }
                }
            }
            assert!(yes > 100 && no > 100, "{p}: {yes} matched, {no} not");
        }
    }

    #[test]
    fn other_patterns_are_linear_or_stay_regexes() {
        for p in [r"^libx[0-9]*\.so$", r"^(.+\.)?host\.[a-z.]+$", r"^a.+$", r"^a.$", r"^a(.+)$"] {
            assert_eq!(Glob::parse(p), None, "{p}");
            assert!(Linear::parse(p).is_some(), "{p}");
        }
        for p in [
            r"^a.*?b$",
            r"^a\db$",
            r"^a\nb$",
            "^a\nb$",
            r"^(?i)abc$",
            r"^a|b$",
            r"^a(.*)*$",
            r"^(ab)+$",
            r"^a?b$",
            r"^a{2}$",
            r"^a++$",
            r"^[^a]$",
            r"^[a-]$",
            r"^[a-Z]$",
            r"^[z-a]$",
            r"^[]a]$",
            r"^[a\d]$",
            r"^((a))$",
            r"^(a)??$",
            r"abc$",
            r"^abc",
            r"^a\$",
        ] {
            assert_eq!(Linear::parse(p), None, "{p}");
            assert_eq!(Glob::parse(p), None, "{p}");
        }
        // The built-in database needs no regex set.
        let m = Matchers::compile(crate::signatures::load_builtin(&[]).expect("loads")).expect("compiles");
        for set in [&m.native_lib_patterns, &m.component_patterns, &m.domain_patterns] {
            assert!(set.rest.is_empty() && !set.linears.is_empty(), "{:?}", set.rest_texts().collect::<Vec<_>>());
        }
    }

    #[test]
    fn pattern_sets_report_globs_and_regexes_in_database_order() {
        let items = vec![
            (r"^liba\d*\.so$".into(), 7),
            (r"^liba(.*)\.so$".into(), 3),
            (r"^lib[a-z]+[0-9]*\.so$".into(), 8),
            (r"^lib.*$".into(), 5),
            (r"^libz\.so$".into(), 1),
        ];
        let set = PatternSet::new(items).expect("compiles");
        assert_eq!((set.globs.len(), set.linears.len(), set.rest.len()), (3, 1, 1));
        assert_eq!(
            set.matches("liba12.so"),
            vec![(7, r"^liba\d*\.so$"), (3, r"^liba(.*)\.so$"), (8, r"^lib[a-z]+[0-9]*\.so$"), (5, r"^lib.*$")]
        );
        assert_eq!(set.matches("libz.so"), vec![(8, r"^lib[a-z]+[0-9]*\.so$"), (5, r"^lib.*$"), (1, r"^libz\.so$")]);
        assert_eq!(set.matches("libz1.so"), vec![(8, r"^lib[a-z]+[0-9]*\.so$"), (5, r"^lib.*$")]);
        assert_eq!(set.matches("lib.so"), vec![(5, r"^lib.*$")]);
        assert!(set.matches("other").is_empty());
        assert!(PatternSet::new(vec![]).expect("empty").matches("x").is_empty());
    }

    #[test]
    fn suffixes_walk_label_boundaries() {
        assert_eq!(suffixes("a.b.cn").collect::<Vec<_>>(), vec!["a.b.cn", "b.cn", "cn"]);
        assert_eq!(head("com.umeng.analytics"), "com.umeng");
        assert_eq!(head("bolts"), "bolts");
    }
}
