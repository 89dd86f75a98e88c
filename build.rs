//! Builds the signature database into the program: `signatures/sdks.json`,
//! `clouds.json`, `publishers.json` and `policies/*.json` become byte arrays
//! (`include_bytes!`) listed in `$OUT_DIR/builtin_signatures.rs`, which
//! `src/signatures/mod.rs` loads when no `--signatures DIR` is given. The
//! files stay data: they are parsed, validated and compiled at run time
//! exactly as when read from the folder, and give the same database digest.
//!
//! The list follows the order in which a folder is read at run time
//! (`read_files`): the three files, then the policies sorted by name.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or("cargo sets CARGO_MANIFEST_DIR")?);
    let dir = root.join("signatures");
    // A folder: cargo reruns this script when any file under it changes.
    println!("cargo:rerun-if-changed=signatures");
    let mut files: Vec<(String, PathBuf)> =
        ["sdks.json", "clouds.json", "publishers.json"].iter().map(|n| (n.to_string(), dir.join(n))).collect();
    let mut policies = Vec::new();
    let pd = dir.join("policies");
    for e in std::fs::read_dir(&pd).map_err(|e| format!("{}: {e}", pd.display()))? {
        let p = e?.path();
        if p.extension().is_some_and(|e| e == "json") {
            policies.push(p);
        }
    }
    policies.sort();
    for p in policies {
        let name = p.file_name().and_then(|n| n.to_str()).ok_or("a policy file name is not UTF-8")?;
        files.push((format!("policies/{name}"), p));
    }
    let mut out = String::from(
        "/// The database's files built into the program: each one's name in the\n\
         /// folder (as the database digest covers it) and its bytes.\n\
         pub(crate) static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (name, path) in &files {
        if !path.is_file() {
            return Err(format!("{} is missing", path.display()).into());
        }
        let text = path.to_str().ok_or("the source path is not UTF-8")?;
        writeln!(out, "    ({name:?}, include_bytes!({text:?})),")?;
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var_os("OUT_DIR").ok_or("cargo sets OUT_DIR")?).join("builtin_signatures.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
