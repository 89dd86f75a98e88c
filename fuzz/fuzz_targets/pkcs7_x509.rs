//! PKCS#7 SignedData and X.509: certificates are sub-slices of the input,
//! each parses or errors, and the input itself as a certificate.
#![no_main]
use cleanscan::formats::{pkcs7, x509};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let range = data.as_ptr_range();
    if let Ok(sd) = pkcs7::parse(data) {
        for c in &sd.certificates {
            let r = c.as_ptr_range();
            assert!(r.start >= range.start && r.end <= range.end, "certificate outside the input");
            if let Ok(cert) = x509::Certificate::parse(c) {
                let _ = format!("{cert:?}");
            }
        }
    }
    if let Ok(cert) = x509::Certificate::parse(data) {
        let _ = format!("{cert:?}");
    }
    let _ = cleanscan::extract::signers::extract(b"", 0, &[("META-INF/CERT.RSA", data)]);
});
