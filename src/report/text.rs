//! A readable summary per app, for a reviewer at a terminal.

use std::fmt::Write;

use super::AppReport;

/// Renders one app as a block of text.
pub fn render(r: &AppReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "== {} ({}, {} bytes)", r.path, r.kind, r.size);
    let _ = writeln!(s, "   sha256       {}", r.sha256);
    let a = &r.app;
    if let Some(id) = &a.id {
        let _ = writeln!(
            s,
            "   app          {} {} (code {}) label {:?}",
            id,
            a.version_name.as_deref().unwrap_or("-"),
            a.version_code.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
            a.label.as_deref().unwrap_or("")
        );
        let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        let _ =
            writeln!(s, "   sdk          min {} target {} max {}", opt(a.min_sdk), opt(a.target_sdk), opt(a.max_sdk));
    }
    let c = &r.components;
    if r.app.id.is_some() {
        let _ = writeln!(
            s,
            "   components   {} activities, {} aliases, {} services, {} receivers, {} providers",
            c.activities.len(),
            c.activity_aliases.len(),
            c.services.len(),
            c.receivers.len(),
            c.providers.len()
        );
        let _ = writeln!(s, "   permissions  {}", r.permissions.len());
        for p in &r.permissions {
            let _ = writeln!(s, "                - {p}");
        }
    }
    for d in &r.dex {
        let _ =
            writeln!(s, "   dex          {} v{:03}: {} classes, {} strings", d.file, d.version, d.classes, d.strings);
    }
    for n in &r.native_libs {
        let _ = writeln!(
            s,
            "   native       {} soname {} needs [{}]",
            n.path,
            n.soname.as_deref().unwrap_or("-"),
            n.needed.join(", ")
        );
    }
    for g in &r.signers {
        let _ = writeln!(s, "   signer       {} [{}]", g.cert_sha256, g.schemes.join(","));
        let _ = writeln!(s, "                subject {}", g.subject);
        let _ = writeln!(s, "                issuer  {}", g.issuer);
    }
    if let Some(b) = &r.signing_block {
        let ids: Vec<String> = b
            .entries
            .iter()
            .map(|e| format!("{}{}", e.id, e.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()))
            .collect();
        let _ = writeln!(s, "   sig block    {} bytes: {}", b.size, ids.join(", "));
    }
    if !r.endpoints.is_empty() {
        let _ = writeln!(s, "   endpoints    {}", r.endpoints.len());
        for e in &r.endpoints {
            let place = e.evidence.first().map(|ev| ev.file.as_str()).unwrap_or("");
            let owner = e.owner.as_deref().map(|o| format!(" [{o}]")).unwrap_or_default();
            let _ = writeln!(s, "                - {}{} ({}x, e.g. {})", e.host, owner, e.occurrences, place);
        }
    }
    for sdk in &r.sdks {
        let _ = writeln!(s, "   sdk          {} ({}, {}) {}", sdk.name, sdk.vendor, sdk.country, sdk.confidence);
    }
    for v in &r.verdicts {
        let _ = writeln!(s, "   verdict      {}: {}", v.policy, v.status);
        for f in &v.findings {
            let _ = writeln!(s, "                - [{}] {}: {}", f.severity, f.rule, f.message);
        }
    }
    for an in &r.anomalies {
        let _ = writeln!(s, "   anomaly      {} {}: {}", an.id, an.file, an.message);
    }
    for e in &r.errors {
        let _ = writeln!(s, "   error        [{}] {}: {}", e.stage, e.file, e.message);
    }
    s
}
