//! placeholder
use crate::container::{Kind, Limits};
use crate::extract::ApkAnalysis;
use crate::formats::zip::ZipDirectory;
pub fn analyze_archive(_data: &[u8], _dir: &ZipDirectory, _kind: Kind, _limits: &Limits) -> ApkAnalysis {
    ApkAnalysis::default()
}
pub fn analyze_file(_data: &[u8], _kind: Kind, _limits: &Limits) -> ApkAnalysis {
    ApkAnalysis::default()
}
