//! The strings of a loaded database. A scan parses the lean copy of the
//! built-in files (`lean`), which the program holds for its whole run, so
//! a string written there without escapes is taken as it stands in that
//! copy instead of being copied to the heap: a few thousand allocations and
//! copies fewer per process, the database's largest share of its load.
//! Strings of files read from a folder, and strings with escapes, are
//! owned as before.

use std::borrow::{Borrow, Cow};
use std::cell::Cell;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

std::thread_local! {
    /// The built-in text being parsed on this thread, if any (`lending`).
    static LENDER: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Runs `f` with `text` as this thread's lender: while `f` parses `text`
/// itself, the strings it borrows from it become `Text`s that borrow too.
pub(super) fn lending<T>(text: &'static str, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<&'static str>);
    impl Drop for Restore {
        fn drop(&mut self) {
            LENDER.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(LENDER.with(|l| l.replace(Some(text))));
    f()
}

/// The same bytes as `s` within this thread's lender, when `s` lies in it.
fn lent(s: &str) -> Option<&'static str> {
    let text = LENDER.with(Cell::get)?;
    let start = (s.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    text.get(start..start.checked_add(s.len())?)
}

/// A database string: borrowed from the program's built-in copy, or owned.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Cow<'static, str>);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is borrowed from the program's copy.
    #[cfg(test)]
    pub(crate) fn is_lent(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    /// The part of this string that `f` picks, borrowed as this one is.
    pub fn part(&self, f: impl for<'a> Fn(&'a str) -> &'a str) -> Text {
        match &self.0 {
            Cow::Borrowed(s) => Text(Cow::Borrowed(f(s))),
            Cow::Owned(s) => Text::from(f(s)),
        }
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Cow::Owned(s))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(Cow::Owned(s.to_owned()))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.0.into_owned()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Text, E> {
                Ok(lent(s).map_or_else(|| Text::from(s), |s| Text(Cow::Borrowed(s))))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text::from(s))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Text, E> {
                Ok(Text::from(s))
            }
        }
        d.deserialize_str(V)
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

#[cfg(test)]
mod tests {
    use super::{lending, Text};

    /// Held for the whole run, as the built-in files are.
    static HELD: &str = r#"["com.vendor.sdk", "esc\u0061ped", "tab\there", ["nested.value"]]"#;

    type Parsed = (Text, Text, Text, Vec<Text>);

    fn flat(v: Parsed) -> Vec<Text> {
        let mut out = vec![v.0, v.1, v.2];
        out.extend(v.3);
        out
    }

    fn lent(texts: &[Text]) -> Vec<(&str, bool)> {
        texts.iter().map(|t| (t.as_str(), t.is_lent())).collect()
    }

    #[test]
    fn strings_without_escapes_are_borrowed_from_the_lender_only() {
        let held = flat(lending(HELD, || serde_json::from_str::<Parsed>(HELD)).expect("parses"));
        assert_eq!(
            lent(&held),
            [("com.vendor.sdk", true), ("escaped", false), ("tab\there", false), ("nested.value", true)]
        );
        // The same text anywhere else (a file read from a folder) is copied,
        // with a lender set or not.
        let copy = HELD.to_string();
        let elsewhere = flat(lending(HELD, || serde_json::from_str::<Parsed>(&copy)).expect("parses"));
        let outside = flat(serde_json::from_str::<Parsed>(&copy).expect("parses"));
        // And so is the held text itself once `lending` has returned.
        let after = flat(serde_json::from_str::<Parsed>(HELD).expect("parses"));
        for texts in [elsewhere, outside, after] {
            let got = lent(&texts);
            assert_eq!(got.iter().map(|t| t.0).collect::<Vec<_>>(), held.iter().map(Text::as_str).collect::<Vec<_>>());
            assert!(got.iter().all(|t| !t.1), "{got:?}");
        }
    }

    #[test]
    fn a_part_is_borrowed_as_its_whole_is() {
        let held = flat(lending(HELD, || serde_json::from_str::<Parsed>(HELD)).expect("parses"));
        fn first(s: &str) -> &str {
            s.split(['.', 'p']).next().unwrap_or(s)
        }
        let parts: Vec<Text> = held.iter().map(|t| t.part(first)).collect();
        assert_eq!(lent(&parts), [("com", true), ("esca", false), ("tab\there", false), ("nested", true)]);
    }
}
