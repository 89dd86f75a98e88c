//! cleanscan: vets mobile apps — who published it, what third-party code it
//! carries, where it sends data — and judges that against a policy.
//!
//! Pipeline (one module per stage; a stage imports only earlier ones):
//! `input` → `container` → `formats` + `extract` (→ `Facts`) → `report`.

pub mod evidence;
pub mod extract;
pub mod formats;
