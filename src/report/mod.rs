//! The report: one `AppReport` per input, rendered as JSON, JSONL or text.
//! Field names follow the report contract of DESIGN.md; fields are only ever
//! added, never renamed. Renderers never decide anything.

pub mod summary;
pub mod text;

use serde::{Deserialize, Serialize};

pub use crate::evidence::ErrorRecord;
use crate::evidence::{Anomaly, Evidence};
use crate::extract::facts::{
    Application, BundleFacts, DeclaredPermission, Endpoint, IosFacts, Member, MetaData, NativeLib, Signer, SigningBlock,
};
pub use crate::fingerprint::{PublisherDetection, SdkDetection};
pub use crate::policy::{Finding, Verdict};
pub use crate::signatures::DatabaseInfo;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AppReport {
    pub path: String,
    pub sha256: String,
    pub size: u64,
    pub kind: String,
    pub app: AppInfo,
    pub permissions: Vec<String>,
    pub components: ComponentNames,
    pub signers: Vec<Signer>,
    pub native_libs: Vec<NativeLib>,
    pub sdks: Vec<SdkDetection>,
    pub endpoints: Vec<EndpointReport>,
    pub publisher: Option<PublisherDetection>,
    pub verdicts: Vec<Verdict>,
    pub errors: Vec<ErrorRecord>,
    // Fields beyond the contract.
    pub declared_permissions: Vec<DeclaredPermission>,
    pub application: Application,
    pub meta_data: Vec<MetaData>,
    /// Intent-filter actions per component (`component` → actions).
    pub intent_filters: Vec<IntentFilters>,
    pub queries_packages: Vec<String>,
    pub dex: Vec<DexSummary>,
    pub signing_block: Option<SigningBlock>,
    /// Overall signature verdict, decided as apksigner does (APKs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_verification: Option<crate::extract::facts::SignatureVerdict>,
    /// Structural oddities the parsers tolerated (tampering, malformation).
    pub anomalies: Vec<Anomaly>,
    /// Number of zip entries.
    pub entry_count: usize,
    /// The signature database that judged this report (None when no database was used).
    pub signatures: Option<DatabaseInfo>,
    /// Split sets: every member APK with its own signers; App Bundles: the
    /// modules; IPAs: frameworks and app extensions.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub members: Vec<Member>,
    /// iOS facts (IPA): Info.plist, Mach-O binaries, code signature, provisioning.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ios: Option<IosFacts>,
    /// App Bundle facts (bundletool version, modules).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bundle: Option<BundleFacts>,
    /// Owners per endpoint, carried from fingerprinting to `endpoints` (not serialised).
    #[serde(skip)]
    pub host_owners: Vec<crate::fingerprint::HostOwner>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AppInfo {
    pub id: Option<String>,
    pub version_code: Option<u64>,
    pub version_name: Option<String>,
    pub min_sdk: Option<u32>,
    pub target_sdk: Option<u32>,
    pub max_sdk: Option<u32>,
    pub label: Option<String>,
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ComponentNames {
    pub activities: Vec<String>,
    pub activity_aliases: Vec<String>,
    pub services: Vec<String>,
    pub receivers: Vec<String>,
    pub providers: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IntentFilters {
    pub component: String,
    pub actions: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DexSummary {
    pub file: String,
    pub version: u32,
    pub strings: u32,
    pub types: u32,
    pub classes: u32,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EndpointReport {
    pub host: String,
    /// Cloud or service provider owning the host (fingerprinting stage).
    pub provider: Option<String>,
    pub owner: Option<String>,
    pub country: Option<String>,
    /// One of the clouds the Clean Cloud line names.
    #[serde(default)]
    pub clean_cloud_named: bool,
    pub evidence: Vec<Evidence>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub urls: Vec<String>,
    pub occurrences: u64,
}

impl From<Endpoint> for EndpointReport {
    fn from(e: Endpoint) -> Self {
        EndpointReport {
            host: e.host,
            provider: None,
            owner: None,
            country: None,
            clean_cloud_named: false,
            evidence: e.evidence,
            urls: e.urls,
            occurrences: e.occurrences,
        }
    }
}
