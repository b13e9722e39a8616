//! Speed tricks, each in its own file beside the plain version it replaces and a property test
//! that both agree (the way httparse keeps `simd/{swar,fallback}.rs`). Domain code calls the
//! named helpers and stays readable; nothing here knows about SigV4.
//!
//! Each file is self-contained (no `crate::` paths) so that `benches/fast.rs` can include it and
//! time the trick against its plain version in the same run.

pub(crate) mod copy;
pub(crate) mod hex;
pub(crate) mod name_filter;
pub(crate) mod slot_hash;
