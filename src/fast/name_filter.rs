//! A Bloom-like prefilter for a small set of header names, so that the signer compares a
//! header's name with the names it leaves out, replaces or looks for only when it may be one.
//!
//! [`NameFilter`] keeps, for each first byte (either case), a bit per name length (capped at 63);
//! a clear bit proves the name is not in the set. [`plain::NameSet`] is the exact, case-insensitive
//! membership the filter must never contradict (no false negatives).

/// The prefilter of a set of names (ASCII, compared case-insensitively).
#[derive(Clone)]
pub(crate) struct NameFilter([u64; 256]);

impl NameFilter {
    /// The filter of `names`.
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut table = [0u64; 256];
        for name in names {
            if let Some(&b) = name.first() {
                for c in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                    if let Some(slot) = table.get_mut(usize::from(c)) {
                        *slot |= 1 << name.len().min(63);
                    }
                }
            }
        }
        NameFilter(table)
    }

    /// False only if `name` is in no case one of the set's names (header names are never
    /// empty; the empty name is never in the filter).
    #[inline]
    pub(crate) fn may_contain(&self, name: &[u8]) -> bool {
        name.first().is_some_and(|&b| {
            self.0
                .get(usize::from(b))
                .is_some_and(|bits| bits >> name.len().min(63) & 1 != 0)
        })
    }
}

/// The exact set the filter stands in front of, kept for the equivalence test and the benchmark.
#[allow(dead_code)]
pub(crate) mod plain {
    /// A set of names compared case-insensitively.
    pub(crate) struct NameSet<'a>(pub(crate) Vec<&'a [u8]>);

    impl NameSet<'_> {
        /// True if `name` is one of the set's, in any case.
        pub(crate) fn contains(&self, name: &[u8]) -> bool {
            self.0.iter().any(|n| n.eq_ignore_ascii_case(name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name() -> impl Strategy<Value = Vec<u8>> {
        // Header names are never empty.
        proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'X'), Just(b'-'), any::<u8>()],
            1..80,
        )
    }

    proptest! {
        #[test]
        fn the_filter_never_rules_out_a_member(
            set in proptest::collection::vec(name(), 0..12),
            probe in name(),
            pick in any::<prop::sample::Index>(),
        ) {
            let filter = NameFilter::new(set.iter().map(Vec::as_slice));
            let exact = plain::NameSet(set.iter().map(Vec::as_slice).collect());
            if exact.contains(&probe) {
                prop_assert!(filter.may_contain(&probe));
            }
            if !set.is_empty() {
                let member = set[pick.index(set.len())].to_ascii_uppercase();
                prop_assert!(filter.may_contain(&member));
            }
        }
    }
}
