//! Builds the signature database into the program: `signatures/sdks.json`,
//! `clouds.json`, `publishers.json` and `policies/*.json` are copied to
//! `$OUT_DIR` and become byte arrays (`include_bytes!`) listed in
//! `$OUT_DIR/builtin_signatures.rs`, which
//! `src/signatures/mod.rs` loads when no `--signatures DIR` is given. The
//! files stay data: they are parsed, validated and compiled at run time
//! exactly as when read from the folder, and give the same database digest.
//! Of `sdks.json`, `clouds.json` and `publishers.json` it also includes the
//! lean copy that a scan parses instead (`src/signatures/lean.rs`: no
//! whitespace, no reference text, no notes; the same entries, and the
//! original's error whenever the copy fails to load).
//!
//! The list follows the order in which a folder is read at run time
//! (`read_files`): the three files, then the policies sorted by name.
//!
//! It also writes the database digest of these files (`DIGEST`: the SHA-256
//! that `signatures::digest` computes over them at run time, which a scan
//! without overlays then need not compute; a test checks the two agree).

use std::fmt::Write as _;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

// The folder's layout and the digest's form, as the program reads them.
#[path = "src/signatures/layout.rs"]
mod layout;

// The lean copy a scan parses of each file of entries.
#[path = "src/signatures/lean.rs"]
mod lean;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or("cargo sets CARGO_MANIFEST_DIR")?);
    let dir = root.join("signatures");
    // A folder: cargo reruns this script when any file under it changes.
    println!("cargo:rerun-if-changed=signatures");
    let mut files: Vec<(String, PathBuf)> =
        layout::TOP_FILE_NAMES.iter().map(|n| (n.to_string(), dir.join(n))).collect();
    let mut policies = Vec::new();
    let pd = dir.join(layout::POLICIES_DIR);
    for e in std::fs::read_dir(&pd).map_err(|e| format!("{}: {e}", pd.display()))? {
        let p = e?.path();
        if p.extension().is_some_and(|e| e == "json") {
            policies.push(p);
        }
    }
    policies.sort();
    for p in policies {
        let name = p.file_name().and_then(|n| n.to_str()).ok_or("a policy file name is not UTF-8")?;
        files.push((format!("{}/{name}", layout::POLICIES_DIR), p));
    }
    let mut out = String::from(
        "/// The database's files built into the program: each one's name in the\n\
         /// folder (as the database digest covers it), its bytes, and the lean\n\
         /// copy of them that a scan parses (`signatures::lean`; the bytes\n\
         /// again for a policy, or when there is no copy).\n\
         pub(crate) static FILES: &[(&str, &[u8], &[u8])] = &[\n",
    );
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("cargo sets OUT_DIR")?);
    // The digest as `signatures::digest` takes it (`layout::digest_file`, in
    // order). The program includes the copy of the bytes digested here
    // (`OUT_DIR/db-N.json`), so the two cannot differ even if a file changes
    // during the build.
    let mut digest = Sha256::new();
    for (i, (name, path)) in files.iter().enumerate() {
        if !path.is_file() {
            return Err(format!("{} is missing", path.display()).into());
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let copy = out_dir.join(format!("db-{i}.json"));
        std::fs::write(&copy, &bytes)?;
        let text = copy.to_str().ok_or("OUT_DIR is not UTF-8")?;
        let is_policy = name.starts_with(layout::POLICIES_DIR);
        let lean_text = match (!is_policy).then(|| lean::lean_copy(&bytes)).flatten() {
            Some(lean) => {
                let lean_path = out_dir.join(format!("db-{i}.lean.json"));
                std::fs::write(&lean_path, lean)?;
                lean_path.to_str().ok_or("OUT_DIR is not UTF-8")?.to_string()
            }
            None => text.to_string(),
        };
        writeln!(out, "    ({name:?}, include_bytes!({text:?}), include_bytes!({lean_text:?})),")?;
        layout::digest_file(&mut digest, name, &bytes);
    }
    out.push_str("];\n");
    let hex: String = digest.finalize().iter().map(|b| format!("{b:02x}")).collect();
    writeln!(
        out,
        "/// The database digest of `FILES` (SHA-256, as `signatures::digest` computes it).\n\
         pub(crate) static DIGEST: &str = {hex:?};"
    )?;
    std::fs::write(out_dir.join("builtin_signatures.rs"), out)?;
    Ok(())
}
