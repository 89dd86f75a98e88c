//! Batch summary: apps grouped by signing key, so one publisher's apps are
//! seen together. The key is the SHA-256 of the signing certificate that
//! apksigner would report (the newest v3.1/v3 signer, else every v2/v1
//! signer); a rotated key also groups under each older lineage certificate.

use std::collections::BTreeMap;

use serde::Serialize;

use super::AppReport;

/// Apps signed with one key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeyGroup {
    pub cert_sha256: String,
    pub subject: String,
    pub debug_certificate: bool,
    /// Paths of apps whose verified signer (or lineage) holds this key.
    pub apps: Vec<String>,
    /// Package names seen for those apps, deduplicated.
    pub packages: Vec<String>,
    /// Apps carrying this certificate whose signature does not verify.
    pub unverified_apps: Vec<String>,
}

/// Groups reports by signing certificate, largest groups first.
pub fn by_signing_key(reports: &[AppReport]) -> Vec<KeyGroup> {
    let mut groups: BTreeMap<String, KeyGroup> = BTreeMap::new();
    for r in reports {
        let verified = r.signature_verification.as_ref().is_some_and(|v| v.verified);
        for s in &r.signers {
            let mut keys: Vec<(String, String)> = vec![(s.cert_sha256.clone(), s.subject.clone())];
            keys.extend(s.lineage.iter().map(|l| (l.cert_sha256.clone(), l.subject.clone())));
            for (sha, subject) in keys {
                let g = groups.entry(sha.clone()).or_insert_with(|| KeyGroup {
                    cert_sha256: sha,
                    subject,
                    debug_certificate: s.debug_certificate,
                    ..KeyGroup::default()
                });
                let list = if verified && s.verified == Some(true) { &mut g.apps } else { &mut g.unverified_apps };
                if !list.contains(&r.path) {
                    list.push(r.path.clone());
                }
                if let Some(p) = &r.app.id {
                    if !g.packages.contains(p) {
                        g.packages.push(p.clone());
                    }
                }
            }
        }
    }
    let mut out: Vec<KeyGroup> = groups.into_values().collect();
    out.sort_by_key(|g| std::cmp::Reverse((g.apps.len(), g.unverified_apps.len())));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::extract::facts::{LineageEntry, SignatureVerdict, Signer};

    fn app(path: &str, pkg: &str, cert: &str, verified: bool, lineage: &[&str]) -> AppReport {
        let mut r = AppReport { path: path.into(), ..AppReport::default() };
        r.app.id = Some(pkg.into());
        r.signature_verification = Some(SignatureVerdict { verified, ..SignatureVerdict::default() });
        r.signers = vec![Signer {
            cert_sha256: cert.into(),
            subject: format!("CN={cert}"),
            verified: Some(verified),
            lineage: lineage
                .iter()
                .map(|c| LineageEntry { cert_sha256: c.to_string(), subject: String::new(), flags: 0 })
                .collect(),
            ..Signer::default()
        }];
        r
    }

    #[test]
    fn groups_by_key_and_lineage() {
        let reports = vec![
            app("a.apk", "com.a", "k1", true, &[]),
            app("b.apk", "com.b", "k2", true, &["k1", "k2"]),
            app("c.apk", "com.c", "k1", false, &[]),
            app("d.apk", "com.d", "k3", true, &[]),
        ];
        let g = by_signing_key(&reports);
        assert_eq!(g[0].cert_sha256, "k1");
        assert_eq!(g[0].apps, vec!["a.apk", "b.apk"]);
        assert_eq!(g[0].unverified_apps, vec!["c.apk"]);
        assert_eq!(g[0].packages, vec!["com.a", "com.b", "com.c"]);
        assert_eq!(g.iter().find(|x| x.cert_sha256 == "k2").unwrap().apps, vec!["b.apk"]);
        assert_eq!(g.len(), 3);
    }
}
