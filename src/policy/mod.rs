//! Judges Detections and Facts against policies (data in
//! `signatures/policies/`). A verdict is `fail` when a `fail` rule found
//! something, `warn` when only `warn` rules did, `pass` otherwise; every
//! finding carries the evidence it rests on.

use serde::{Deserialize, Serialize};

use crate::evidence::Evidence;
use crate::extract::facts::Facts;
use crate::fingerprint::Detections;
use crate::signatures::{Condition, Policy};

/// A policy's judgement of one app.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Verdict {
    pub policy: String,
    /// `pass`, `warn` or `fail`.
    pub status: String,
    pub findings: Vec<Finding>,
}

/// One rule that found something, with the evidence it rests on.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub evidence: Vec<Evidence>,
}

fn rank(c: &str) -> u8 {
    match c {
        "high" => 2,
        "medium" => 1,
        _ => 0,
    }
}

fn in_list(list: &[String], v: &str) -> bool {
    list.is_empty() || list.iter().any(|x| x == v)
}

/// Evaluates one policy.
pub fn evaluate(policy: &Policy, facts: &Facts, det: &Detections) -> Verdict {
    let mut findings = Vec::new();
    for rule in &policy.rules {
        let msg = rule.message.trim_end_matches('.');
        let mut push = |message: String, evidence: Vec<Evidence>| {
            findings.push(Finding { rule: rule.id.clone(), severity: rule.severity.clone(), message, evidence });
        };
        match &rule.when {
            Condition::Sdk(c) => {
                for s in &det.sdks {
                    let ok = in_list(&c.country, &s.country)
                        && (c.tags_any.is_empty() || c.tags_any.iter().any(|t| s.tags.contains(t)))
                        && c.collects_data.is_none_or(|v| v == s.collects_data)
                        && c.prc_linked.is_none_or(|v| v == s.prc_linked)
                        && in_list(&c.categories, &s.category)
                        && c.min_confidence.as_deref().is_none_or(|mc| rank(&s.confidence) >= rank(mc))
                        && c.max_confidence.as_deref().is_none_or(|mc| rank(&s.confidence) <= rank(mc));
                    if ok {
                        push(
                            format!("{}: {} ({}, {}), {} confidence", msg, s.name, s.vendor, s.country, s.confidence),
                            s.evidence.clone(),
                        );
                    }
                }
            }
            Condition::Endpoint(c) => {
                for (ep, owner) in facts.endpoints.iter().zip(&det.hosts) {
                    let Some(country) = owner.country.as_deref() else { continue };
                    let ok = c.clean_cloud_named.is_none_or(|v| v == owner.clean_cloud_named)
                        && in_list(&c.country, country);
                    if ok {
                        let who = owner.provider.as_deref().or(owner.owner.as_deref()).unwrap_or("?");
                        push(
                            format!("{}: {} ({who}, {country})", msg, ep.host),
                            ep.evidence.iter().take(3).cloned().collect(),
                        );
                    }
                }
            }
            Condition::Publisher(c) => {
                if let Some(p) = &det.publisher {
                    let country = p.country.as_deref().unwrap_or("");
                    let known_ok = c.known.is_none_or(|k| k == p.id.is_some());
                    if known_ok && !country.is_empty() && in_list(&c.country, country) {
                        push(
                            format!("{}: {} ({country}), {} confidence", msg, p.name, p.confidence),
                            p.evidence.clone(),
                        );
                    }
                }
            }
            Condition::Anomaly(c) => {
                let hits: Vec<Evidence> = facts
                    .anomalies
                    .iter()
                    .filter(|a| c.any == Some(true) || c.ids_any.iter().any(|id| id == &a.id))
                    .map(|a| Evidence {
                        kind: "anomaly".into(),
                        value: a.id.clone(),
                        file: a.file.clone(),
                        offset: a.offset,
                    })
                    .collect();
                if !hits.is_empty() {
                    let mut ids: Vec<&str> = hits.iter().map(|e| e.value.as_str()).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    push(format!("{}: {}", msg, ids.join(", ")), hits.into_iter().take(10).collect());
                }
            }
            Condition::SigningBlock(c) => {
                if let Some(b) = &facts.signing_block {
                    for e in &b.entries {
                        if c.ids_any.iter().any(|id| id.eq_ignore_ascii_case(&e.id)) {
                            let name = e.name.as_deref().unwrap_or("unknown block");
                            push(
                                format!("{}: {} ({name}, {} bytes)", msg, e.id, e.size),
                                vec![Evidence::new("signing-block", e.id.clone(), "APK Signing Block", Some(b.offset))],
                            );
                        }
                    }
                }
            }
            Condition::Manifest(c) => {
                let Some(mf) = &facts.manifest else { continue };
                let file = "AndroidManifest.xml";
                let mut ev = Vec::new();
                for q in &mf.queries_packages {
                    if c.queries_packages_any.contains(q) {
                        ev.push(Evidence::new("queries-package", q.clone(), file, None));
                    }
                }
                for md in &mf.meta_data {
                    if c.meta_data_any.contains(&md.name) {
                        ev.push(Evidence::new("meta-data", md.name.clone(), file, None));
                    }
                }
                for p in &mf.uses_permissions {
                    if c.permissions_any.contains(&p.name) {
                        ev.push(Evidence::new("permission", p.name.clone(), file, None));
                    }
                }
                if !ev.is_empty() {
                    let vals: Vec<&str> = ev.iter().map(|e| e.value.as_str()).collect();
                    push(format!("{}: {}", msg, vals.join(", ")), ev);
                }
            }
        }
    }
    let status = if findings.iter().any(|f| f.severity == "fail") {
        "fail"
    } else if findings.is_empty() {
        "pass"
    } else {
        "warn"
    };
    Verdict { policy: policy.id.clone(), status: status.to_string(), findings }
}
