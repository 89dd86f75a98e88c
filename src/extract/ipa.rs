//! placeholder
use crate::container::Limits;
use crate::extract::ApkAnalysis;
use crate::formats::zip::ZipDirectory;
pub fn analyze_ipa(_data: &[u8], _dir: &ZipDirectory, _limits: &Limits) -> ApkAnalysis {
    ApkAnalysis::default()
}
