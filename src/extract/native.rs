//! Native library facts: ABI folder, soname, needed libraries, exported
//! symbol count, machine and size, plus endpoint candidates from the
//! library's printable strings.

use crate::evidence::Anomaly;
use crate::extract::endpoints::EndpointCollector;
use crate::extract::facts::NativeLib;
use crate::formats::elf;

/// Evidence kind for endpoints found in native library strings.
pub const KIND_NATIVE_STRING: &str = "native-string";

/// Extracts one `.so` entry. `path` is the entry path (`lib/arm64-v8a/libx.so`,
/// possibly nested as `base.apk!/lib/...`).
pub fn extract(data: &[u8], path: &str, endpoints: &mut EndpointCollector) -> Result<NativeLib, elf::Error> {
    extract_with_anomalies(data, path, endpoints).map(|(lib, _)| lib)
}

/// As [`extract`], also returning the anomalies the ELF reader tolerated
/// (`elf-section-headers-invalid`, `elf-dynamic-unparsed`,
/// `elf-parser-panic`, ...).
pub fn extract_with_anomalies(
    data: &[u8],
    path: &str,
    endpoints: &mut EndpointCollector,
) -> Result<(NativeLib, Vec<Anomaly>), elf::Error> {
    let info = elf::parse(data)?;
    endpoints.scan_blob(data, KIND_NATIVE_STRING, path);
    let anomalies = info.anomalies.iter().map(|a| Anomaly::new(a.id, a.message.clone(), path, None)).collect();
    let lib = NativeLib {
        path: path.to_string(),
        abi: abi_of(path).map(str::to_string),
        soname: info.soname,
        needed: info.needed,
        exported_symbols: info.exported_symbols,
        machine: Some(info.machine),
        size: data.len() as u64,
    };
    Ok((lib, anomalies))
}

/// The ABI folder of `lib/<abi>/<name>` (the last `!/` segment of a nested
/// path), None for any other location.
pub fn abi_of(path: &str) -> Option<&str> {
    let entry = path.rsplit("!/").next().unwrap_or(path);
    let mut parts = entry.split('/');
    let (Some("lib"), Some(abi), Some(name), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    (!abi.is_empty() && !name.is_empty()).then_some(abi)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn abi_from_path() {
        assert_eq!(abi_of("lib/arm64-v8a/libfoo.so"), Some("arm64-v8a"));
        assert_eq!(abi_of("base.apk!/lib/x86/libfoo.so"), Some("x86"));
        assert_eq!(abi_of("assets/lib/x86/libfoo.so"), None);
        assert_eq!(abi_of("lib/libfoo.so"), None);
        assert_eq!(abi_of("lib/x86/sub/libfoo.so"), None);
        assert_eq!(abi_of("lib//libfoo.so"), None);
    }

    #[test]
    fn non_elf_is_an_error_and_scans_nothing() {
        let mut ep = EndpointCollector::new();
        let r = extract(b"https://a.foo.com/ not an elf", "lib/x86/a.so", &mut ep);
        assert_eq!(r, Err(elf::Error::BadMagic));
        assert!(ep.is_empty());
    }

    #[test]
    fn header_only_elf_gives_facts_and_strings() {
        // ELF32 little-endian ARM header with no program headers, followed
        // by a string.
        let mut f = vec![0u8; 0x34];
        f[..4].copy_from_slice(&elf::ELFMAG);
        f[4] = elf::ELFCLASS32;
        f[5] = elf::ELFDATA2LSB;
        f[6] = 1;
        f[16] = 3; // ET_DYN
        f[18] = 40; // EM_ARM
        f[20] = 1;
        f.extend_from_slice(b"\0\0report.foo.cn/upload\0");
        let mut ep = EndpointCollector::new();
        let (lib, _) = extract_with_anomalies(&f, "lib/armeabi-v7a/libx.so", &mut ep).unwrap();
        assert_eq!(lib.abi.as_deref(), Some("armeabi-v7a"));
        assert_eq!(lib.machine.as_deref(), Some("arm"));
        assert_eq!(lib.size, f.len() as u64);
        assert!(lib.soname.is_none());
        let eps = ep.finish();
        assert_eq!(eps[0].host, "report.foo.cn");
        assert_eq!(eps[0].evidence[0].kind, KIND_NATIVE_STRING);
    }
}
