//! Evidence and anomaly records shared by every stage.
//!
//! `Evidence` is what a reviewer checks: the kind of fact, its value, and the
//! nested location (`base.apk!/classes2.dex`) with an offset where known.
//! `Anomaly` is a structural oddity a parser tolerated the way Android does
//! (tampering, malformation) with a stable kebab-case id.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What kind of fact this is: `dex-string`, `native-string`, `manifest`,
    /// `resource-string`, `xml`, `asset`, `class`, `native-lib`, `meta-data`, ...
    pub kind: String,
    /// The value that was found (a URL, a class name, a library name).
    pub value: String,
    /// The nested location of the file inside the app (`classes2.dex`,
    /// `lib/arm64-v8a/libfoo.so`, `AndroidManifest.xml`).
    pub file: String,
    /// Byte offset inside the inflated entry, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Evidence {
    pub fn new(kind: &str, value: impl Into<String>, file: impl Into<String>, offset: Option<u64>) -> Self {
        Evidence { kind: kind.to_string(), value: value.into(), file: file.into(), offset }
    }
}

/// A structural oddity that a parser tolerated (or refused) the way Android
/// does. `id` is a stable kebab-case code (`zip-unknown-compression-method`,
/// `axml-string-count-tampered`), so policies and tests can rely on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    pub id: String,
    pub message: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Anomaly {
    pub fn new(id: &str, message: impl Into<String>, file: impl Into<String>, offset: Option<u64>) -> Self {
        Anomaly { id: id.to_string(), message: message.into(), file: file.into(), offset }
    }
}

/// A per-app error: which stage, which file inside the app, what went wrong.
/// One broken part never stops the rest of the app, nor the batch.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorRecord {
    /// `input`, `container`, `manifest`, `resources`, `dex`, `native`, `signing`, `internal`, `unsupported`.
    pub stage: String,
    pub file: String,
    pub message: String,
}

impl ErrorRecord {
    pub fn new(stage: &str, file: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorRecord { stage: stage.to_string(), file: file.into(), message: message.into() }
    }
}
