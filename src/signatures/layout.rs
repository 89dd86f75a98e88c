//! How a database folder is laid out and how the database digest covers
//! its files. Shared with build.rs (`#[path]`), which builds the
//! repository's folder into the program and takes its digest there.

use sha2::{Digest, Sha256};

/// The files at the top of a database folder, in the order they are read.
pub const TOP_FILE_NAMES: [&str; 3] = ["sdks.json", "clouds.json", "publishers.json"];

/// The subfolder of policies (`policies/*.json`, read by name after the top files).
pub const POLICIES_DIR: &str = "policies";

/// Adds one file to the database digest: its name in the folder, NUL, its
/// length (u64, little-endian) and its bytes.
pub fn digest_file(hasher: &mut Sha256, name: &str, bytes: &[u8]) {
    hasher.update(name.as_bytes());
    hasher.update([0u8]);
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}
