//! Finds the hosts an app may talk to in its strings (DEX strings, native
//! library strings, text assets) and aggregates them per host.
//!
//! Two kinds of match:
//!
//! * **URLs** `scheme://[userinfo@]host[:port][/path]`. For network schemes
//!   (http, https, ws, wss, ftp, rtmp, mqtt, tcp, ...) any host that parses is
//!   kept, including single-label ones when a port or path follows
//!   (`http://localhost:8080/`), IPv4 and bracketed IPv6 literals. `file`,
//!   `content`, `android.resource`, `jar`, `data`, `javascript` and `about`
//!   are never hosts. `intent://host/...#Intent;scheme=https` opens a web
//!   page, so it counts as a network scheme. Any other scheme is an app deep
//!   link (`weixin://dl/...`, `arouter://m.host.com/route`): its "host" is a
//!   route inside an app, not a place the app sends data, so the whole URL is
//!   skipped.
//! * **Bare host names** inside a string (`api.foo.com`, `"*.qq.com"`,
//!   `//cdn.foo.com/x.js`). DEX and native strings are full of dotted
//!   identifiers, so a bare name is accepted only when all of these hold:
//!   - the last label is a real TLD from the curated list in [`tld_class`]:
//!     common gTLDs and every two-letter ccTLD, minus those that collide with
//!     file extensions (`so sh py md mk pl pm rs ps cc mm la am ac in do ec zip
//!     mov app`: `libfoo.so`, `run.sh`, `Makefile.am`, `Foo.mm`, `coverage.ec`,
//!     `com.alipay.sdk.app`); URLs with a scheme still find such hosts;
//!   - "word-like" TLDs (`info name id top site link live at by is it us ie
//!     ...`, which end property keys such as `device.info`, `user.id`,
//!     `margin.top`, `created.at`) need supporting context: a `//` before,
//!     a `/path` or `:port` after, or a `www.` first label;
//!   - every label is lowercase LDH (an uppercase letter means a class name
//!     such as `com.foo.Bar`, `_` an identifier);
//!   - it is not reverse-domain shaped: a Java root (`java.net`,
//!     `android.net`, `kotlin.io`) or, with three or more labels, a first
//!     label that is a generic TLD (`com.tencent.mm`, `org.apache.http`) or
//!     a ccTLD while the last label is not `com/net/org/cn/edu/gov`
//!     (`cn.jpush.im`, but `cn.bing.com` is kept);
//!   - it is not a bare public suffix (`com.cn`, `co.uk`) and not obfuscated
//!     shape (three or more labels of at most two letters: `a.b.cn`);
//!   - it is not an e-mail domain (`@` before) nor a path component (`/`
//!     before that is not `//`);
//!   - all-numeric names are IPv4 only with a `:port` after (`1.2.3.4` alone
//!     is more often a version string).
//!
//! Placeholder hosts (`example.com`, `localhost`, `schemas.android.com`,
//! `www.w3.org`) are kept: the fingerprinting stage decides what they mean.
//! Hosts are lowercased, without port, path, userinfo or trailing dot; IDN
//! hosts are kept as found (no punycode conversion); nothing is resolved.
//!
//! Per host the collector keeps up to [`MAX_URLS_PER_HOST`] distinct URLs, up
//! to [`MAX_EVIDENCE_PER_HOST`] evidence records, and counts every
//! occurrence. It allocates only for accepted matches, so scanning 100k DEX
//! strings costs one pass over their bytes.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::evidence::Evidence;
use crate::extract::facts::Endpoint;
use crate::formats::elf::printable_strings_with;

/// Distinct URLs kept per host.
pub const MAX_URLS_PER_HOST: usize = 5;
/// Evidence records kept per host (the count goes on in `occurrences`).
pub const MAX_EVIDENCE_PER_HOST: usize = 5;
/// Longest URL text kept (bytes); longer ones are clipped.
pub const MAX_URL_LEN: usize = 512;
/// Bytes examined after each `://` for the URL's extent.
pub const MAX_URL_SCAN: usize = 2048;
/// Distinct hosts kept per app; a blob of random printable data cannot grow
/// the map without bound.
pub const MAX_HOSTS: usize = 50_000;
/// Minimum printable run length for [`EndpointCollector::scan_blob`].
pub const MIN_BLOB_RUN: usize = 6;
/// DNS limits (RFC 1035).
const MAX_HOST_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

#[derive(Debug, Default)]
struct HostEntry {
    urls: Vec<String>,
    evidence: Vec<Evidence>,
    occurrences: u64,
}

impl HostEntry {
    /// The same evidence (kind, value, file, offset) is kept once.
    fn has_evidence(&self, kind: &str, value: &str, file: &str, offset: Option<u64>) -> bool {
        self.evidence.iter().any(|e| e.value == value && e.file == file && e.offset == offset && e.kind == kind)
    }
}

/// Accumulates endpoints over all the files of one app.
#[derive(Debug, Default)]
pub struct EndpointCollector {
    hosts: HashMap<String, HostEntry>,
    /// Matches dropped because [`MAX_HOSTS`] was reached.
    dropped: u64,
}

/// How a URL scheme is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SchemeClass {
    /// A network protocol: any parseable host counts.
    Network,
    /// Never a network host (`file`, `content`, ...).
    Ignored,
    /// Anything else (deep links): the host must look like a real host.
    Other,
}

fn scheme_class(scheme: &[u8]) -> SchemeClass {
    let mut buf = [0u8; 16];
    let Some(dst) = buf.get_mut(..scheme.len()) else {
        return SchemeClass::Other;
    };
    dst.copy_from_slice(scheme);
    dst.make_ascii_lowercase();
    match &*dst {
        b"http" | b"https" | b"ws" | b"wss" | b"ftp" | b"ftps" | b"sftp" | b"tftp" | b"rtmp" | b"rtmps" | b"rtmpt"
        | b"rtmpe" | b"rtsp" | b"rtsps" | b"rtp" | b"srt" | b"mms" | b"mmsh" | b"tcp" | b"udp" | b"ssl" | b"tls"
        | b"quic" | b"mqtt" | b"mqtts" | b"amqp" | b"amqps" | b"stomp" | b"xmpp" | b"sip" | b"sips" | b"stun"
        | b"stuns" | b"turn" | b"turns" | b"smtp" | b"smtps" | b"imap" | b"imaps" | b"pop3" | b"pop3s" | b"ldap"
        | b"ldaps" | b"ssh" | b"telnet" | b"git" | b"svn" | b"irc" | b"ircs" | b"nntp" | b"gopher" | b"socks"
        | b"socks4" | b"socks5" | b"grpc" | b"grpcs" | b"redis" | b"rediss" | b"mongodb" | b"mongodb+srv"
        | b"postgres" | b"postgresql" | b"mysql" | b"webdav" | b"dav" | b"davs" | b"h2" | b"h2c" | b"stratum+tcp"
        | b"hls" | b"intent" => SchemeClass::Network,
        b"file" | b"content" | b"android.resource" | b"jar" | b"data" | b"javascript" | b"about" | b"blob" => {
            SchemeClass::Ignored
        }
        _ => SchemeClass::Other,
    }
}

/// How a last label is treated for bare host names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TldClass {
    /// Generic TLD seen on real hosts (`com`, `net`, `org`, `io`, ...).
    Generic,
    /// Two-letter country code, accepted bare.
    Country,
    /// Real TLD that is also a common word or key suffix: needs context.
    Weak,
    /// Real TLD that collides with a file extension: never accepted bare.
    Excluded,
    /// Not a TLD (or not in the curated list).
    None,
}

/// The curated TLD list for bare host names (see the module docs).
pub fn tld_class(label: &str) -> TldClass {
    match label {
        "com" | "net" | "org" | "edu" | "gov" | "mil" | "int" | "biz" | "io" | "co" | "ai" | "me" | "tv" | "eu" => {
            TldClass::Generic
        }
        // File-extension collisions.
        "so" | "sh" | "py" | "md" | "mk" | "pl" | "pm" | "rs" | "ps" | "cc" | "mm" | "la" | "am" | "ac" | "in"
        | "do" | "ec" | "zip" | "mov" | "app" => TldClass::Excluded,
        // Word-like TLDs that end property keys and log words.
        "info" | "name" | "top" | "xyz" | "club" | "online" | "site" | "store" | "tech" | "vip" | "shop" | "cloud"
        | "link" | "live" | "pro" | "mobi" | "asia" | "work" | "fun" | "ltd" | "group" | "ink" | "wang" | "ren"
        | "dev" | "at" | "by" | "is" | "it" | "my" | "no" | "to" | "us" | "id" | "as" | "re" | "ma" | "pa" | "ne"
        | "nu" | "ms" | "st" | "ml" | "ie" => TldClass::Weak,
        "ad" | "ae" | "af" | "ag" | "al" | "ao" | "aq" | "ar" | "au" | "aw" | "ax" | "az" | "ba" | "bb" | "bd"
        | "be" | "bf" | "bg" | "bh" | "bi" | "bj" | "bm" | "bn" | "bo" | "br" | "cn" | "bs" | "bt" | "bw" | "bz"
        | "ca" | "cd" | "cf" | "cg" | "ch" | "ci" | "ck" | "cl" | "cm" | "cr" | "cu" | "cv" | "cw" | "cx" | "cy"
        | "cz" | "de" | "dj" | "dk" | "dm" | "dz" | "ee" | "eg" | "er" | "es" | "et" | "fi" | "fj" | "fk" | "fm"
        | "fo" | "fr" | "ga" | "gd" | "ge" | "gf" | "gg" | "gh" | "gi" | "gl" | "gm" | "gn" | "gp" | "gq" | "gr"
        | "gs" | "gt" | "gu" | "gw" | "gy" | "hk" | "hm" | "hn" | "hr" | "ht" | "hu" | "il" | "im" | "iq" | "ir"
        | "je" | "jm" | "jo" | "jp" | "ke" | "kg" | "kh" | "ki" | "km" | "kn" | "kp" | "kr" | "kw" | "ky" | "kz"
        | "lb" | "lc" | "li" | "lk" | "lr" | "ls" | "lt" | "lu" | "lv" | "ly" | "mc" | "mg" | "mh" | "mn" | "mo"
        | "mp" | "mq" | "mr" | "mt" | "mu" | "mv" | "mw" | "mx" | "mz" | "na" | "nc" | "nf" | "ng" | "ni" | "nl"
        | "np" | "nr" | "nz" | "om" | "pe" | "pf" | "pg" | "ph" | "pk" | "pn" | "pr" | "pt" | "pw" | "qa" | "ro"
        | "ru" | "rw" | "sa" | "sb" | "sc" | "sd" | "se" | "sg" | "si" | "sk" | "sl" | "sm" | "sn" | "sr" | "ss"
        | "su" | "sv" | "sx" | "sy" | "sz" | "tc" | "td" | "tf" | "tg" | "th" | "tj" | "tk" | "tl" | "tm" | "tn"
        | "tr" | "tt" | "tw" | "tz" | "ua" | "ug" | "uk" | "uy" | "uz" | "va" | "vc" | "ve" | "vg" | "vi" | "vn"
        | "vu" | "wf" | "ws" | "ye" | "yt" | "za" | "zm" | "zw" => TldClass::Country,
        _ => TldClass::None,
    }
}

/// Top-level Java/Kotlin package names: `java.net`, `android.net`,
/// `kotlin.io` are packages, not hosts.
fn is_java_root(label: &str) -> bool {
    matches!(
        label,
        "java"
            | "javax"
            | "jdk"
            | "sun"
            | "android"
            | "androidx"
            | "dalvik"
            | "kotlin"
            | "kotlinx"
            | "libcore"
            | "junit"
            | "okhttp3"
            | "okio"
            | "retrofit2"
            | "rx"
            | "dagger"
            | "scala"
            | "groovy"
    )
}

/// ELF section name words: `.data.rel.ro` in native strings is a section.
fn is_elf_section_word(label: &str) -> bool {
    matches!(
        label,
        "data"
            | "text"
            | "rodata"
            | "bss"
            | "rel"
            | "rela"
            | "init"
            | "fini"
            | "tdata"
            | "tbss"
            | "note"
            | "gnu"
            | "debug"
            | "got"
            | "plt"
            | "comment"
            | "dynsym"
            | "dynstr"
            | "ctors"
            | "dtors"
            | "jcr"
            | "interp"
            | "dynamic"
            | "hash"
            | "symtab"
            | "strtab"
    )
}

/// HTML element names: `div.hr`, `a.ie`, `li.me` are CSS selectors.
fn is_html_tag(label: &str) -> bool {
    matches!(
        label,
        "a" | "p"
            | "b"
            | "i"
            | "u"
            | "s"
            | "div"
            | "span"
            | "li"
            | "ul"
            | "ol"
            | "td"
            | "tr"
            | "th"
            | "table"
            | "img"
            | "input"
            | "body"
            | "html"
            | "form"
            | "label"
            | "button"
            | "select"
            | "section"
            | "nav"
            | "header"
            | "footer"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "em"
            | "pre"
            | "code"
            | "dl"
            | "dt"
            | "dd"
            | "hr"
            | "br"
            | "iframe"
            | "svg"
    )
}

/// Last labels for which a ccTLD first label is still a plausible host
/// (`cn.bing.com`, `de.wikipedia.org`).
fn is_big_suffix(label: &str) -> bool {
    matches!(label, "com" | "net" | "org" | "cn" | "edu" | "gov")
}

/// Second-level labels that make `x.<cc>` a public suffix, not a host.
fn is_public_second_level(label: &str) -> bool {
    matches!(label, "com" | "net" | "org" | "edu" | "gov" | "co" | "ac" | "or" | "ne" | "go" | "gob" | "mil")
}

/// Byte classes of the scanning loops, one table load per byte (the
/// `matches!` of each class compiled to a jump table per byte).
const URL: u8 = 1;
/// Ends an authority: control bytes, space, quotes, angle brackets, `\`.
/// None of these is a URL byte.
const AUTH_STOP: u8 = 2;
const SCHEME: u8 = 4;
const TOKEN: u8 = 8;
const TRAILING_PUNCT: u8 = 16;

const fn byte_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut class = 0;
        if b > 0x20 && b < 0x7f && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^') {
            class |= URL;
        }
        if b <= 0x20 || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\') {
            class |= AUTH_STOP;
        }
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.') {
            class |= SCHEME;
        }
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            class |= TOKEN;
        }
        if matches!(b, b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b']') {
            class |= TRAILING_PUNCT;
        }
        // Evaluated at compile time: an index out of range would not build.
        table[i] = class;
        i += 1;
    }
    table
}

static BYTE_CLASS: [u8; 256] = byte_classes();

#[inline]
fn has_class(b: u8, class: u8) -> bool {
    BYTE_CLASS.get(usize::from(b)).is_some_and(|c| c & class != 0)
}

#[inline]
fn is_url_byte(b: u8) -> bool {
    has_class(b, URL)
}

#[inline]
fn is_trailing_punct(b: &u8) -> bool {
    has_class(*b, TRAILING_PUNCT)
}

#[inline]
fn is_scheme_byte(b: u8) -> bool {
    has_class(b, SCHEME)
}

#[inline]
fn is_token_byte(b: u8) -> bool {
    has_class(b, TOKEN)
}

/// Whether `s` holds a `.` or `:` (every host candidate does). Most strings
/// are short, where a branch-free pass (a vector loop) beats a search call.
pub(crate) fn has_dot_or_colon(s: &[u8]) -> bool {
    if s.len() > 64 {
        return memchr::memchr2(b'.', b':', s).is_some();
    }
    s.iter().fold(false, |hit, &b| hit | (b == b'.') | (b == b':'))
}

/// Position of the next `://` in `text` at or after `from`.
fn find_sep(text: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let p = memchr::memchr(b':', text.get(at..)?)?.checked_add(at)?;
        let next = p.checked_add(1)?;
        if text.get(next..next.saturating_add(2)) == Some(b"//".as_slice()) {
            return Some(p);
        }
        at = next;
    }
}

/// A host found in an authority, before acceptance rules.
struct Authority<'t> {
    /// Host bytes as written (no brackets, no port, no trailing dot).
    host: &'t [u8],
    ipv6: bool,
    /// A port, path, query or fragment follows the host.
    has_tail: bool,
}

/// Splits `scheme://` + `auth_and_rest` into host parts.
fn parse_authority(rest: &[u8]) -> Option<Authority<'_>> {
    let auth_len = rest.iter().position(|&b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let has_path = auth_len < rest.len();
    let auth = rest.get(..auth_len)?;
    let hostport = match auth.iter().rposition(|&b| b == b'@') {
        Some(at) => auth.get(at.checked_add(1)?..)?,
        None => auth,
    };
    if let Some(inner) = hostport.strip_prefix(b"[") {
        let close = inner.iter().position(|&b| b == b']')?;
        let mut host = inner.get(..close)?;
        if let Some(zone) = host.iter().position(|&b| b == b'%') {
            host = host.get(..zone)?;
        }
        let colons = host.iter().filter(|&&b| b == b':').count();
        if colons < 2 || !host.iter().all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return None;
        }
        let after = inner.get(close.checked_add(1)?..)?;
        return Some(Authority { host, ipv6: true, has_tail: has_path || !after.is_empty() });
    }
    let colon = hostport.iter().position(|&b| b == b':');
    let mut host = match colon {
        Some(c) => hostport.get(..c)?,
        None => hostport,
    };
    // A Chinese sentence glued to the host ("见http://a.com获取"): stop the
    // host at the first non-ASCII byte when an ASCII dotted name precedes.
    if let Some(na) = host.iter().position(|&b| b >= 0x80) {
        let ascii = host.get(..na)?;
        if ascii.contains(&b'.') && ascii.last().is_some_and(|b| b.is_ascii_alphabetic()) {
            host = ascii;
        }
    }
    // Trailing dot of an absolute name; `"http://api." + x` fragments then
    // fail the single-label rule.
    if let Some(stripped) = host.strip_suffix(b".") {
        host = stripped;
    }
    Some(Authority { host, ipv6: false, has_tail: has_path || colon.is_some() })
}

/// Whether every dot-separated label of `host` is a number and the whole is
/// a dotted-quad IPv4 address.
fn is_ipv4(host: &[u8]) -> bool {
    let mut n = 0usize;
    for part in host.split(|&b| b == b'.') {
        n = n.saturating_add(1);
        if part.is_empty() || part.len() > 3 || !part.iter().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let value = part.iter().fold(0u16, |v, &d| v.saturating_mul(10).saturating_add(u16::from(d - b'0')));
        if value > 255 {
            return false;
        }
    }
    n == 4
}

/// `host` lowercased, borrowed when it already is (most are).
fn lowercase(host: &str) -> Cow<'_, str> {
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    }
}

/// Lenient host check for network schemes: labels of letters, digits, `-`,
/// `_` or non-ASCII (IDN); numeric last label only as IPv4. Returns the
/// lowercased host.
fn lenient_host(host: &[u8], has_tail: bool) -> Option<Cow<'_, str>> {
    if host.is_empty() || host.len() > MAX_HOST_LEN {
        return None;
    }
    let mut labels = 0usize;
    let mut last: &[u8] = &[];
    for label in host.split(|&b| b == b'.') {
        if label.is_empty() || label.len() > MAX_LABEL_LEN {
            return None;
        }
        if !label.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b >= 0x80) {
            return None;
        }
        labels = labels.saturating_add(1);
        last = label;
    }
    if last.iter().all(|b| b.is_ascii_digit()) && !is_ipv4(host) {
        return None;
    }
    // Single-label hosts (intranet names, `localhost`) only with a port or
    // path after them: `"http://" + host` fragments are not hosts.
    if labels == 1 && !has_tail && host != b"localhost" {
        return None;
    }
    // Non-ASCII (IDN) bytes must be UTF-8.
    std::str::from_utf8(host).ok().map(lowercase)
}

/// Context around a bare candidate.
#[derive(Clone, Copy, Debug, Default)]
struct BareContext {
    /// Preceded by `//` (protocol-relative or a URL whose scheme we skipped).
    slashes: bool,
    /// Followed by `/`.
    path: bool,
    /// Followed by `:` and a digit.
    port: bool,
}

/// The bare-host rules of the module docs. `host` is the candidate as
/// written (no leading/trailing dots), returned when accepted (it is
/// lowercase by the rules).
fn strict_host(host: &[u8], ctx: BareContext) -> Option<&str> {
    if host.len() < 3 || host.len() > MAX_HOST_LEN {
        return None;
    }
    // Uppercase: class names (`com.foo.Bar`); `_`: identifiers.
    if !host.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-') {
        return None;
    }
    let s = std::str::from_utf8(host).ok()?;
    let mut labels = 0usize;
    let mut short_labels = 0usize;
    let mut first = "";
    let mut last = "";
    for label in s.split('.') {
        if label.is_empty() || label.len() > MAX_LABEL_LEN || label.starts_with('-') || label.ends_with('-') {
            return None;
        }
        if labels == 0 {
            first = label;
        }
        labels = labels.saturating_add(1);
        if label.len() <= 2 {
            short_labels = short_labels.saturating_add(1);
        }
        last = label;
    }
    if labels < 2 {
        return None;
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        // `1.2.3.4` alone is usually a version; with a port it is an address.
        return (is_ipv4(host) && ctx.port).then_some(s);
    }
    let class = tld_class(last);
    match class {
        TldClass::None | TldClass::Excluded => return None,
        TldClass::Weak => {
            if !(ctx.slashes || ctx.path || ctx.port || first == "www") {
                return None;
            }
        }
        TldClass::Generic | TldClass::Country => {}
    }
    if is_java_root(first) {
        return None;
    }
    if labels == 2 && is_html_tag(first) {
        return None;
    }
    if labels == 2 && is_public_second_level(first) && tld_class(last) != TldClass::None {
        return None;
    }
    if labels >= 3 {
        match tld_class(first) {
            TldClass::Generic => return None,
            TldClass::Country | TldClass::Weak | TldClass::Excluded if first.len() == 2 && !is_big_suffix(last) => {
                return None;
            }
            _ => {}
        }
        // Obfuscated package shape: every label but the last is 1-2 chars.
        if short_labels >= labels.saturating_sub(1) && first.len() <= 2 {
            let all_short = s.rsplit_once('.').map(|(head, _)| head.split('.').all(|l| l.len() <= 2)).unwrap_or(false);
            if all_short {
                return None;
            }
        }
    }
    Some(s)
}

impl EndpointCollector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Scans one string. `kind` is the evidence kind (`dex-string`,
    /// `native-string`, `asset`, ...), `offset` where `text` starts in `file`.
    pub fn scan(&mut self, text: &[u8], kind: &str, file: &str, offset: Option<u64>) {
        // Every candidate has a dot (names, IPv4) or a colon (`://`, IPv6).
        if text.len() < 4 || !has_dot_or_colon(text) {
            return;
        }
        // Look-ahead budget: nested `://` are revisited (to find URLs inside
        // query strings), so without it `a://a://a://...` is quadratic.
        let mut budget = text.len().saturating_mul(4).saturating_add(MAX_URL_SCAN);
        let mut bare_from = 0usize;
        let mut floor = 0usize;
        let mut search = 0usize;
        while let Some(p) = find_sep(text, search) {
            let auth_start = p.saturating_add(3);
            // Scheme: walk back over scheme bytes, then forward to a letter.
            let mut s = p;
            while s > floor && text.get(s.saturating_sub(1)).is_some_and(|&b| is_scheme_byte(b)) {
                s = s.saturating_sub(1);
            }
            while s < p && text.get(s).is_some_and(|b| !b.is_ascii_alphabetic()) {
                s = s.saturating_add(1);
            }
            let scheme = text.get(s..p).unwrap_or(&[]);
            if bare_from < s {
                self.scan_bare(text, bare_from, s, kind, file, offset);
            }
            floor = auth_start;
            search = auth_start;
            let class = scheme_class(scheme);
            if scheme.is_empty() || class == SchemeClass::Ignored {
                // No URL here; the bytes after `://` may still hold a
                // protocol-relative-looking name for the bare scan.
                bare_from = bare_from.max(auth_start.min(text.len()));
                continue;
            }
            let rest_all = text.get(auth_start..).unwrap_or(&[]);
            let rest = rest_all.get(..MAX_URL_SCAN).unwrap_or(rest_all);
            if rest.len() > budget {
                break;
            }
            budget = budget.saturating_sub(rest.len());
            let url_len = rest.iter().position(|&b| !is_url_byte(b)).unwrap_or(rest.len());
            // The authority may continue into IDN bytes; the URL kept stops
            // at the first non-URL byte. No URL byte ends an authority, so
            // its end is looked for from there.
            let after_url = rest.get(url_len..).unwrap_or(&[]);
            let mut auth_end = url_len
                .saturating_add(after_url.iter().position(|&b| has_class(b, AUTH_STOP)).unwrap_or(after_url.len()));
            while auth_end > 0 && rest.get(auth_end.saturating_sub(1)).is_some_and(is_trailing_punct) {
                auth_end = auth_end.saturating_sub(1);
            }
            let mut url_end = auth_start.saturating_add(url_len);
            // Trailing punctuation belongs to the sentence, not the URL.
            while url_end > auth_start && text.get(url_end.saturating_sub(1)).is_some_and(is_trailing_punct) {
                url_end = url_end.saturating_sub(1);
            }
            let host = rest.get(..auth_end).and_then(parse_authority).and_then(|a| match class {
                SchemeClass::Ignored => None,
                SchemeClass::Network if a.ipv6 => std::str::from_utf8(a.host).ok().map(lowercase),
                SchemeClass::Network => lenient_host(a.host, a.has_tail),
                // A custom scheme (`arouter://m.host.com/route`, `weixin://dl/x`)
                // names an app route, not a place the app sends data.
                SchemeClass::Other => None,
            });
            match host {
                Some(h) => {
                    let url = text.get(s..url_end).unwrap_or(&[]);
                    self.record(h, Some(url), url, kind, file, offset);
                    bare_from = bare_from.max(url_end);
                }
                None if class == SchemeClass::Other => {
                    bare_from = bare_from.max(url_end);
                }
                None => {
                    bare_from = bare_from.max(auth_start.min(text.len()));
                }
            }
        }
        if bare_from < text.len() {
            self.scan_bare(text, bare_from, text.len(), kind, file, offset);
        }
    }

    /// Bare host names in `text[from..to]` (the full `text` is passed for
    /// the context bytes around the segment).
    fn scan_bare(&mut self, text: &[u8], from: usize, to: usize, kind: &str, file: &str, offset: Option<u64>) {
        // Tokens are maximal runs of token bytes in `text[from..to]`; only
        // those holding a `.` matter, so jump from dot to dot and widen each
        // to its token. `i` is `from` or just past a token, so a token never
        // starts before it.
        let mut i = from;
        while i < to {
            let Some(seg) = text.get(i..to) else {
                return;
            };
            let Some(dot) = memchr::memchr(b'.', seg).map(|d| d.saturating_add(i)) else {
                return;
            };
            let mut start = dot;
            while start > i && start.checked_sub(1).and_then(|k| text.get(k)).is_some_and(|&b| is_token_byte(b)) {
                start = start.saturating_sub(1);
            }
            let mut end = dot.saturating_add(1);
            while end < to && text.get(end).is_some_and(|&b| is_token_byte(b)) {
                end = end.saturating_add(1);
            }
            i = end;
            let Some(token) = text.get(start..end) else {
                continue;
            };
            let prev = start.checked_sub(1).and_then(|k| text.get(k)).copied();
            let prev2 = start.checked_sub(2).and_then(|k| text.get(k)).copied();
            let next = text.get(end).copied();
            let next2 = end.checked_add(1).and_then(|k| text.get(k)).copied();
            // E-mail addresses and `user@` parts.
            if prev == Some(b'@') || next == Some(b'@') {
                continue;
            }
            let slashes = prev == Some(b'/') && prev2 == Some(b'/');
            // A path component (`assets/config.cn`), not a host.
            if (prev == Some(b'/') && !slashes) || prev == Some(b'\\') {
                continue;
            }
            let mut host = token;
            // `%s.api.foo.com`, `%1$s.foo.com`: drop the placeholder label.
            if matches!(prev, Some(b'%') | Some(b'$')) {
                match host.iter().position(|&b| b == b'.') {
                    Some(d) => host = host.get(d.saturating_add(1)..).unwrap_or(&[]),
                    None => continue,
                }
            }
            let dotted = host.first() == Some(&b'.');
            while let Some(h) = host.strip_prefix(b".") {
                host = h;
            }
            // `.data.rel.ro`: an ELF section name, not a domain suffix.
            if dotted {
                let first = host.split(|&b| b == b'.').next().unwrap_or(&[]);
                if std::str::from_utf8(first).is_ok_and(is_elf_section_word) {
                    continue;
                }
            }
            while let Some(h) = host.strip_suffix(b".") {
                host = h;
            }
            let ctx = BareContext {
                slashes,
                path: next == Some(b'/'),
                port: next == Some(b':') && next2.is_some_and(|b| b.is_ascii_digit()),
            };
            if let Some(h) = strict_host(host, ctx) {
                self.record(Cow::Borrowed(h), None, host, kind, file, offset);
            }
        }
    }

    /// Splits `data` into printable ASCII runs of at least [`MIN_BLOB_RUN`]
    /// bytes and scans each (native libraries, text assets). The evidence
    /// offset is the run's offset in `data`.
    pub fn scan_blob(&mut self, data: &[u8], kind: &str, file: &str) {
        // `scan` ignores text without a `.` or `:`, so only runs holding one
        // are produced (same runs, same offsets, far fewer visits).
        for (off, run) in printable_strings_with(data, MIN_BLOB_RUN, b'.', b':') {
            self.scan(run, kind, file, Some(off));
        }
    }

    /// Records a value that is a host by its position (the text of a network
    /// security config `<domain>` element), with the lenient host check that
    /// URLs get: no TLD heuristics, because the format says it is a host.
    pub fn add_host(&mut self, host: &str, kind: &str, file: &str, offset: Option<u64>) {
        let trimmed = host.trim().trim_end_matches('.');
        if let Some(h) = lenient_host(trimmed.as_bytes(), true) {
            self.record(h, None, trimmed.as_bytes(), kind, file, offset);
        }
    }

    /// Counts an occurrence of `host`; its name is copied only the first time.
    fn record(
        &mut self,
        host: Cow<'_, str>,
        url: Option<&[u8]>,
        value: &[u8],
        kind: &str,
        file: &str,
        offset: Option<u64>,
    ) {
        let entry = match self.hosts.get_mut(host.as_ref()) {
            Some(e) => e,
            None => {
                if self.hosts.len() >= MAX_HOSTS {
                    self.dropped = self.dropped.saturating_add(1);
                    return;
                }
                self.hosts.entry(host.into_owned()).or_default()
            }
        };
        entry.occurrences = entry.occurrences.saturating_add(1);
        if let Some(url) = url {
            if entry.urls.len() < MAX_URLS_PER_HOST {
                let url = clip(url);
                if !entry.urls.contains(&url) {
                    entry.urls.push(url);
                }
            }
        }
        if entry.evidence.len() < MAX_EVIDENCE_PER_HOST {
            let value = clip(value);
            if !entry.has_evidence(kind, &value, file, offset) {
                entry.evidence.push(Evidence::new(kind, value, file, offset));
            }
        }
    }

    /// Number of distinct hosts so far.
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// Matches dropped after [`MAX_HOSTS`] distinct hosts.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Adds what `later` collected, as if its input had been scanned after
    /// this collector's: occurrences add up; URLs and evidence keep the first
    /// ones in that order, within the same caps. Exact as long as `later`
    /// scanned other files than this one (evidence names its file) and the
    /// host cap was not reached.
    pub fn merge(&mut self, later: EndpointCollector) {
        self.dropped = self.dropped.saturating_add(later.dropped);
        let mut hosts: Vec<(String, HostEntry)> = later.hosts.into_iter().collect();
        // New hosts enter in a fixed order, so a capped map is deterministic.
        hosts.sort_by(|a, b| a.0.cmp(&b.0));
        for (host, more) in hosts {
            let entry = match self.hosts.get_mut(&host) {
                Some(e) => e,
                None => {
                    if self.hosts.len() >= MAX_HOSTS {
                        self.dropped = self.dropped.saturating_add(more.occurrences);
                        continue;
                    }
                    self.hosts.entry(host).or_default()
                }
            };
            entry.occurrences = entry.occurrences.saturating_add(more.occurrences);
            for url in more.urls {
                if entry.urls.len() < MAX_URLS_PER_HOST && !entry.urls.contains(&url) {
                    entry.urls.push(url);
                }
            }
            for ev in more.evidence {
                if entry.evidence.len() >= MAX_EVIDENCE_PER_HOST {
                    break;
                }
                if !entry.has_evidence(&ev.kind, &ev.value, &ev.file, ev.offset) {
                    entry.evidence.push(ev);
                }
            }
        }
    }

    /// The endpoints, sorted by host.
    pub fn finish(self) -> Vec<Endpoint> {
        let mut out: Vec<Endpoint> = self
            .hosts
            .into_iter()
            .map(|(host, e)| Endpoint { host, urls: e.urls, evidence: e.evidence, occurrences: e.occurrences })
            .collect();
        out.sort_by(|a, b| a.host.cmp(&b.host));
        out
    }
}

/// Text of a match, clipped to [`MAX_URL_LEN`] bytes at a char boundary.
fn clip(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    if s.len() <= MAX_URL_LEN {
        return s.into_owned();
    }
    let mut end = MAX_URL_LEN;
    while !s.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    s.get(..end).unwrap_or_default().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    fn hosts(texts: &[&str]) -> Vec<String> {
        let mut c = EndpointCollector::new();
        for t in texts {
            c.scan(t.as_bytes(), "dex-string", "classes.dex", Some(1));
        }
        c.finish().into_iter().map(|e| e.host).collect()
    }

    fn one(text: &str) -> Vec<String> {
        hosts(&[text])
    }

    #[test]
    fn urls_with_schemes() {
        assert_eq!(one("https://api.example.com/v1/x?y=1#z"), ["api.example.com"]);
        assert_eq!(one("http://API.Example.COM:8080/path"), ["api.example.com"]);
        assert_eq!(one("ftp://user:pw@files.foo.org/pub"), ["files.foo.org"]);
        assert_eq!(one("wss://push.foo.cn:443"), ["push.foo.cn"]);
        assert_eq!(one("ws://10.0.2.2:8000/socket"), ["10.0.2.2"]);
        assert_eq!(one("http://[2001:DB8::1]:8080/x"), ["2001:db8::1"]);
        assert_eq!(one("http://[fe80::1%25eth0]/"), ["fe80::1"]);
        assert_eq!(one("rtmp://live.foo.com/app/stream"), ["live.foo.com"]);
        assert_eq!(one("mqtt://broker.hivemq.com:1883"), ["broker.hivemq.com"]);
        assert_eq!(one("http://localhost:8080/"), ["localhost"]);
        assert_eq!(one("http://localhost"), ["localhost"]);
        assert_eq!(one("http://www.foo.com."), ["www.foo.com"]);
        // Hosts whose TLD is excluded bare are still found with a scheme.
        assert_eq!(one("https://example.app/x"), ["example.app"]);
        assert_eq!(one("https://foo.so"), ["foo.so"]);
        // IDN kept as is.
        assert_eq!(one("http://例子.测试/path"), ["例子.测试"]);
        // Underscore hosts exist with schemes.
        assert_eq!(one("https://my_host.foo.com/"), ["my_host.foo.com"]);
    }

    #[test]
    fn url_inside_text_and_trailing_punctuation() {
        let mut c = EndpointCollector::new();
        c.scan(b"see (https://a.foo.com/x). and http://b.foo.net, ok", "asset", "assets/a.txt", None);
        let e = c.finish();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].host, "a.foo.com");
        assert_eq!(e[0].urls, ["https://a.foo.com/x"]);
        assert_eq!(e[1].urls, ["http://b.foo.net"]);
        // Chinese text glued to the host.
        assert_eq!(one("访问http://www.foo.com获取"), ["www.foo.com"]);
    }

    #[test]
    fn nested_urls_are_both_found() {
        assert_eq!(one("https://r.foo.com/go?u=https://b.bar.com/x"), ["b.bar.com", "r.foo.com"]);
    }

    #[test]
    fn scheme_fragments_and_placeholders_are_not_hosts() {
        for t in [
            "http://",
            "https://%s/api",
            "http://%s:%d",
            "https://{host}/v1",
            "http://\" + host",
            "http://api.",
            "http://www",
            "file:///sdcard/foo.com/x",
            "content://com.foo.provider/items",
            "android.resource://com.foo/raw/x",
            "jar:file:/x.jar!/a",
            "http://1.2.3/",
            "http://a..b.com/",
        ] {
            assert!(one(t).is_empty(), "{t:?} gave {:?}", one(t));
        }
    }

    #[test]
    fn custom_schemes_are_app_routes_not_endpoints() {
        assert!(one("weixin://dl/business/?t=x").is_empty());
        assert!(one("alipays://platformapi/startapp?appId=1").is_empty());
        assert!(one("android-app://com.foo.bar/http/host").is_empty());
        assert!(one("myapp://www.foo.com/open").is_empty(), "a deep-link route is not a network endpoint");
        // ...but a real URL after it in the same string still counts.
        assert_eq!(one("myapp://route.foo.com/x https://api.bar.com/v1"), ["api.bar.com"]);
        assert_eq!(one("intent://m.foo.com/#Intent;scheme=https;end"), ["m.foo.com"]);
    }

    #[test]
    fn bare_hosts() {
        assert_eq!(one("api.foo.com"), ["api.foo.com"]);
        assert_eq!(one("*.qq.com"), ["qq.com"]);
        assert_eq!(one(".weixin.qq.com"), ["weixin.qq.com"]);
        assert_eq!(one("t.cn"), ["t.cn"]);
        assert_eq!(one("sina.com.cn"), ["sina.com.cn"]);
        assert_eq!(one("cn.bing.com"), ["cn.bing.com"]);
        assert_eq!(one("host=log.umeng.com;port=80"), ["log.umeng.com"]);
        assert_eq!(one("{\"host\":\"sdk.push.cn\"}"), ["sdk.push.cn"]);
        assert_eq!(one("//cdn.foo.com/lib.js"), ["cdn.foo.com"]);
        assert_eq!(one("%s.api.foo.com"), ["api.foo.com"]);
        assert_eq!(one("%1$s.foo.com"), ["foo.com"]);
        assert_eq!(one("${region}.foo.com"), ["foo.com"]);
        assert_eq!(one("192.168.1.1:8080"), ["192.168.1.1"]);
        assert_eq!(one("Visit foo.de."), ["foo.de"]);
        assert_eq!(one("youtu.be"), ["youtu.be"]);
        assert_eq!(one("xn--fiqs8s.cn"), ["xn--fiqs8s.cn"]);
        // Word-like TLDs need context.
        assert_eq!(one("www.foo.info"), ["www.foo.info"]);
        assert_eq!(one("//foo.info/x"), ["foo.info"]);
        assert_eq!(one("api.foo.top/v1"), ["api.foo.top"]);
        assert_eq!(one("foo.id:443"), ["foo.id"]);
        // Placeholders are kept (fingerprinting decides).
        assert_eq!(
            hosts(&["example.com", "schemas.android.com", "www.w3.org", "xmlpull.org"]),
            ["example.com", "schemas.android.com", "www.w3.org", "xmlpull.org"]
        );
    }

    #[test]
    fn java_names_are_not_hosts() {
        for t in [
            "com.tencent.mm",
            "com.tencent.mm.opensdk.openapi",
            "cn.jpush.android",
            "cn.jpush.im",
            "cn.jiguang.api.JCoreInterface",
            "com.alipay.sdk.app",
            "org.apache.http.conn",
            "com.foo.Bar",
            "com.foo.Bar$Baz",
            "Lcom/foo/Bar;",
            "java.net",
            "java.io",
            "android.net",
            "kotlin.io",
            "okhttp3.internal.io",
            "io.reactivex.internal",
            "tv.danmaku.ijk.media",
            "me.foo.bar.tv",
            "de.greenrobot.event",
            "a.b.cn",
            "a.a.ab",
            "com.cn",
            "co.uk",
            "android.intent.action.VIEW",
            "ro.build.version.sdk",
            "ro.build.display.id",
            "persist.sys.language",
        ] {
            assert!(one(t).is_empty(), "{t:?} gave {:?}", one(t));
        }
    }

    #[test]
    fn file_names_versions_formats_emails_are_not_hosts() {
        for t in [
            "libfoo.so",
            "libjpush210.so",
            "libstdc++.so.6",
            "config.json",
            "index.html",
            "app.js",
            "main.py",
            "README.md",
            "run.sh",
            "Makefile.am",
            "foo.mm",
            "logging.cc",
            "patch.zip",
            "video.mov",
            "x.app",
            "1.2.3",
            "v2.0.1-beta",
            "10.0.2.2",
            "4.1.2.3",
            "%d.%d.%d",
            "%s.%s",
            "support@foo.com",
            "mailto:help@foo.com",
            "user.name@foo.com",
            "/data/data/com.foo.bar/files",
            "assets/foo.cn",
            "C:\\dir\\foo.com",
            "device.info",
            "user.id",
            "os.name",
            "margin.top",
            "created.at",
            "GLIBC_2.4",
            "my_var.com",
            ".text",
            "e.g",
            "R.id",
            ".data.rel.ro",
            "coverage.ec",
            "div.hr",
            "span.me",
            "mobile.browser.ie",
        ] {
            assert!(one(t).is_empty(), "{t:?} gave {:?}", one(t));
        }
    }

    #[test]
    fn aggregation_caps_and_counts() {
        let mut c = EndpointCollector::new();
        for i in 0..20u64 {
            let url = format!("https://api.foo.com/p{i}");
            c.scan(url.as_bytes(), "dex-string", "classes.dex", Some(i));
        }
        c.scan(b"api.foo.com", "native-string", "lib/x86/libz.so", Some(7));
        c.scan(b"api.foo.com", "native-string", "lib/x86/libz.so", Some(7));
        c.scan(b"b.foo.com", "native-string", "lib/x86/libz.so", None);
        let e = c.finish();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].host, "api.foo.com");
        assert_eq!(e[0].occurrences, 22);
        assert_eq!(e[0].urls.len(), MAX_URLS_PER_HOST);
        assert_eq!(e[0].urls[0], "https://api.foo.com/p0");
        assert_eq!(e[0].evidence.len(), MAX_EVIDENCE_PER_HOST);
        assert_eq!(e[0].evidence[0].kind, "dex-string");
        assert_eq!(e[0].evidence[0].offset, Some(0));
        assert_eq!(e[1].host, "b.foo.com");
        assert!(e[1].urls.is_empty());
        assert_eq!(e[1].evidence[0].value, "b.foo.com");
    }

    #[test]
    fn scan_blob_finds_hosts_in_binary_data() {
        let mut data = vec![0u8, 1, 2];
        data.extend_from_slice(b"https://up.foo.com/report");
        data.extend_from_slice(&[0, 0xff, 0]);
        data.extend_from_slice(b"abc.cn");
        data.push(0);
        data.extend_from_slice(b"x.cn");
        let mut c = EndpointCollector::new();
        c.scan_blob(&data, "native-string", "lib/arm64-v8a/libx.so");
        let e = c.finish();
        let hs: Vec<_> = e.iter().map(|e| e.host.as_str()).collect();
        // "x.cn" is shorter than MIN_BLOB_RUN.
        assert_eq!(hs, ["abc.cn", "up.foo.com"]);
        assert_eq!(e[1].evidence[0].offset, Some(3));
    }

    #[test]
    fn scan_blob_equals_scanning_every_printable_run() {
        let mut data = Vec::new();
        let words: [&[u8]; 10] = [
            b"https://up.foo.com/r?u=http://b.bar.cn",
            b"api.foo.com",
            b"libx.so",
            b"\x00\x01",
            b"a.b",
            b"://",
            b" //cdn.x.net/a.js ",
            b"\xff\xfe",
            b"%s.log.foo.de:80",
            b"ab",
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data.extend_from_slice(words[(x % 10) as usize]);
        }
        let mut fast = EndpointCollector::new();
        fast.scan_blob(&data, "k", "f");
        let mut slow = EndpointCollector::new();
        for (off, run) in crate::formats::elf::printable_strings(&data, MIN_BLOB_RUN) {
            slow.scan(run, "k", "f", Some(off));
        }
        let (fast, slow) = (fast.finish(), slow.finish());
        assert!(!fast.is_empty());
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"));
    }

    #[test]
    fn long_hostile_inputs_are_linear_and_bounded() {
        let big = "a.".repeat(100_000) + "com";
        assert!(one(&big).is_empty(), "longer than 253 bytes");
        let many = "://".repeat(50_000);
        assert!(one(&many).is_empty());
        let mut c = EndpointCollector::new();
        for i in 0..(MAX_HOSTS + 10) {
            c.scan(format!("h{i}.foo.com").as_bytes(), "k", "f", None);
        }
        assert_eq!(c.len(), MAX_HOSTS);
        assert_eq!(c.dropped(), 10);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod merge_tests {
    use super::*;

    /// Scanning files one after another into one collector and scanning
    /// each into its own collector then merging in file order agree.
    #[test]
    fn merge_equals_scanning_in_order() {
        let files: Vec<(&str, Vec<String>)> = vec![
            ("a.dex", (0..4).map(|i| format!("https://cdn.foo.com/a{i} http://x{i}.bar.org/")).collect()),
            // Overlapping URLs with the first file and more than the caps.
            ("b.dex", (2..12).map(|i| format!("https://cdn.foo.com/a{i} wss://push.baz.cn/{i}")).collect()),
            ("lib/arm64-v8a/libz.so", (0..3).map(|i| format!("tcp://cdn.foo.com:{i}/ https://x1.bar.org/q")).collect()),
        ];
        let mut whole = EndpointCollector::new();
        let mut merged = EndpointCollector::new();
        for (file, texts) in &files {
            let mut part = EndpointCollector::new();
            for (i, t) in texts.iter().enumerate() {
                whole.scan(t.as_bytes(), "dex-string", file, Some(i as u64));
                part.scan(t.as_bytes(), "dex-string", file, Some(i as u64));
            }
            merged.merge(part);
        }
        let (a, b) = (whole.finish(), merged.finish());
        assert_eq!(a.len(), 6, "cdn.foo.com, x0..x3.bar.org, push.baz.cn");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        let foo = a.iter().find(|e| e.host == "cdn.foo.com").unwrap();
        assert_eq!(foo.urls.len(), MAX_URLS_PER_HOST);
        assert_eq!(foo.occurrences, 4 + 10 + 3);
    }
}
