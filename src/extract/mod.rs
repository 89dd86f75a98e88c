//! Builds one `Facts` value per app from the container's entries.

pub mod dex;
pub mod endpoints;
pub mod facts;
pub mod manifest;
pub mod native;
pub mod signers;
