//! Speed tricks, each in its own file beside the plain version it replaces and a property test
//! that both agree (the way httparse keeps `simd/{swar,fallback}.rs`). Domain code calls the
//! named helpers and stays readable; nothing here knows about SigV4.
//!
//! Each file is self-contained (no `crate::` paths) so that `benches/fast.rs` can include it and
//! time the trick against its plain version in the same run.

//! Kept because `benches/fast.rs` shows they save something that matters (a few per cent of a
//! signing each); taken out because they did not: SWAR hex (5–8 ns a digest, 1–2 % of a
//! signing), a multiplicative hasher for the key cache's slots and a pass-through map hasher
//! (8–16 ns and 8–12 ns a verification, about 1 % each).

pub(crate) mod copy;
pub(crate) mod name_filter;
