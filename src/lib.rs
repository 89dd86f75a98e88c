//! cleanscan: vets mobile apps — who published it, what third-party code it
//! carries, where it sends data — and judges that against a policy.
//!
//! Pipeline (one module per stage; a stage imports only earlier ones):
//! `input` → `container` → `formats` + `extract` (→ `Facts`) → `signatures`
//! (compiled once) → `fingerprint` (→ `Detections`) → `policy` (→ verdicts)
//! → `report`, driven by `scan`.

pub mod container;
pub mod evidence;
pub mod extract;
pub mod fingerprint;
pub mod formats;
pub mod input;
pub mod policy;
pub mod report;
pub mod scan;
pub mod signatures;
pub mod verify;

use container::Limits;
use formats::zip::ZipDirectory;

/// Decodes an app's AndroidManifest.xml to text XML. `data` is an APK (or
/// any zip with the manifest at its root) or a raw binary XML file.
pub fn decode_manifest_xml(data: &[u8], limits: &Limits) -> Result<String, String> {
    let axml: Vec<u8> = if data.starts_with(&[0x03, 0x00, 0x08, 0x00])
        || !container::looks_like_zip(data) && ZipDirectory::parse(data, &limits.zip()).is_err()
    {
        data.to_vec()
    } else {
        let dir = ZipDirectory::parse(data, &limits.zip()).map_err(|e| e.to_string())?;
        let entry = dir.find("AndroidManifest.xml").ok_or("no AndroidManifest.xml entry")?;
        let mut buf = Vec::new();
        let (bytes, _) = dir.read(data, entry, limits.max_entry_bytes, &mut buf).map_err(|e| e.to_string())?;
        bytes.to_vec()
    };
    let doc = formats::axml::parse(&axml).map_err(|e| e.to_string())?;
    Ok(formats::axml::to_xml(&doc))
}
