//! When a business gets indexes of its own passages, and what a sweep does about it.
//!
//! Every passage is in the shared HNSW index, which a search of one business walks with a filter:
//! for a business with many passages the graph walk then keeps going past other businesses'
//! passages, and on the benchmark's large business (20,080 passages) its recall@10 against exact
//! search was 0.58 at `ef_search` 100 (the search's 20 candidates, the 10 nearest kept). A
//! partial index of that business's passages alone, built with a denser graph (`m` 32,
//! `ef_construction` 200) over `halfvec` (half the bytes per distance), reached 0.88 at
//! `ef_search` 100 and 0.96 at 250 (README, "Knowledge benchmarks").
//! The same holds for the words: the shared full-text index answers a large business's keyword
//! half with every business's passages that have the words, which the scan then drops; a partial
//! GIN index of the business's own passages hands it only its own.
//! A small business needs neither: its few passages are read by the business index and ranked
//! exactly.
//!
//! The indexes' names carry the business's id, so the database's catalogue is the one record of
//! which businesses have them: nothing else can drift from it.

use uuid::Uuid;

/// When a sweep builds and drops a business's own index. The gap between the two keeps a
/// business near the line from having its index built and dropped by turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexPolicy {
    /// A business with at least this many passages gets its own index.
    pub build_at: i64,
    /// A business's own index is dropped when it has fewer passages than this (or is gone).
    pub drop_below: i64,
}

impl IndexPolicy {
    /// 2,000 passages (a few hundred pages of documents): about 4 s to build on the benchmark's
    /// machine. Under 1,000 the business index and an exact ranking answer in a few
    /// milliseconds.
    pub const DEFAULT: IndexPolicy = IndexPolicy {
        build_at: 2_000,
        drop_below: 1_000,
    };
}

/// The HNSW graph's links per node for a business's own index (pgvector's default is 16).
pub const OWN_INDEX_M: u32 = 32;
/// Candidates kept while building a business's own index (pgvector's default is 64).
pub const OWN_INDEX_EF_CONSTRUCTION: u32 = 200;

const VECTORS_PREFIX: &str = "knowledge_vectors_";
const WORDS_PREFIX: &str = "knowledge_words_";

/// The name of `business_id`'s own HNSW index: the prefix and the id's 32 hex digits (50
/// characters, under Postgres's 63), safe to write into DDL as is.
pub fn index_name(business_id: Uuid) -> String {
    format!("{VECTORS_PREFIX}{}", business_id.simple())
}

/// The name of `business_id`'s own full-text (GIN) index, made the same way (48 characters).
pub fn words_index_name(business_id: Uuid) -> String {
    format!("{WORDS_PREFIX}{}", business_id.simple())
}

/// The business whose own index `name` is, if it is one of either kind: exactly the name
/// `index_name` or `words_index_name` gives.
pub fn business_of(name: &str) -> Option<Uuid> {
    let hex = name
        .strip_prefix(VECTORS_PREFIX)
        .or_else(|| name.strip_prefix(WORDS_PREFIX))?;
    let business = Uuid::try_parse(hex).ok()?;
    (index_name(business) == name || words_index_name(business) == name).then_some(business)
}

/// A business's own indexes as the catalogue has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingIndex {
    pub business_id: Uuid,
    /// Both are there and valid. False when a concurrent build failed or is still running
    /// (searches do not use an invalid index), or one of the two is missing (a business indexed
    /// before it had both): the sweep drops what there is and builds both again.
    pub valid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Drop(Uuid),
    /// The business, and its passages (what the build's time and memory depend on).
    Build(Uuid, i64),
}

/// What a sweep does, in order: drops first (the businesses that shrank or went, and the
/// invalid indexes a failed build left), then builds, largest business first (the most searches
/// helped per build, if the sweep runs out of time). An invalid index of a business that still
/// qualifies is dropped and built again.
///
/// An invalid index found while another build is running is not told apart from one a failed
/// build left: sweeps take a lock, so only one runs at a time.
pub fn plan(
    passages: &[(Uuid, i64)],
    existing: &[ExistingIndex],
    policy: IndexPolicy,
) -> Vec<Action> {
    let count = |b: Uuid| {
        passages
            .iter()
            .find(|(id, _)| *id == b)
            .map_or(0, |(_, n)| *n)
    };
    let mut drops: Vec<Uuid> = existing
        .iter()
        .filter(|e| !e.valid || count(e.business_id) < policy.drop_below)
        .map(|e| e.business_id)
        .collect();
    drops.sort();
    let has_valid = |b: Uuid| existing.iter().any(|e| e.business_id == b && e.valid);
    let mut builds: Vec<(Uuid, i64)> = passages
        .iter()
        .copied()
        .filter(|&(b, n)| n >= policy.build_at && !has_valid(b))
        .collect();
    builds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    drops
        .into_iter()
        .map(Action::Drop)
        .chain(builds.into_iter().map(|(b, n)| Action::Build(b, n)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: IndexPolicy = IndexPolicy {
        build_at: 100,
        drop_below: 50,
    };

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn names_carry_the_business_and_read_back() {
        let b = Uuid::parse_str("f2735f0c-dd5a-49cd-a53a-5521989d38d4").unwrap();
        let name = index_name(b);
        assert_eq!(name, "knowledge_vectors_f2735f0cdd5a49cda53a5521989d38d4");
        assert!(name.len() <= 63);
        assert_eq!(business_of(&name), Some(b));
        let words = words_index_name(b);
        assert_eq!(words, "knowledge_words_f2735f0cdd5a49cda53a5521989d38d4");
        assert_eq!(business_of(&words), Some(b));
        assert_eq!(business_of("knowledge_chunks_embedding"), None);
        assert_eq!(business_of("knowledge_chunks_text"), None);
        assert_eq!(
            business_of("knowledge_vectors_F2735F0CDD5A49CDA53A5521989D38D4"),
            None
        );
        assert_eq!(business_of("knowledge_vectors_f2735f0c"), None);
        assert_eq!(
            business_of("knowledge_vectors_f2735f0c-dd5a-49cd-a53a-5521989d38"),
            None
        );
    }

    #[test]
    fn builds_for_large_businesses_largest_first() {
        let passages = [(id(1), 99), (id(2), 100), (id(3), 5_000), (id(4), 20)];
        assert_eq!(
            plan(&passages, &[], POLICY),
            [Action::Build(id(3), 5_000), Action::Build(id(2), 100)]
        );
    }

    #[test]
    fn keeps_an_index_between_the_two_lines_and_drops_it_below() {
        let existing = [
            ExistingIndex {
                business_id: id(1),
                valid: true,
            },
            ExistingIndex {
                business_id: id(2),
                valid: true,
            },
            ExistingIndex {
                business_id: id(3),
                valid: true,
            },
        ];
        // 1 shrank but stays over the drop line; 2 fell under it; 3 is gone.
        let passages = [(id(1), 50), (id(2), 49)];
        assert_eq!(
            plan(&passages, &existing, POLICY),
            [Action::Drop(id(2)), Action::Drop(id(3))]
        );
    }

    #[test]
    fn an_invalid_index_is_dropped_and_built_again_if_still_wanted() {
        let existing = [
            ExistingIndex {
                business_id: id(1),
                valid: false,
            },
            ExistingIndex {
                business_id: id(2),
                valid: false,
            },
        ];
        let passages = [(id(1), 500), (id(2), 60)];
        assert_eq!(
            plan(&passages, &existing, POLICY),
            [
                Action::Drop(id(1)),
                Action::Drop(id(2)),
                Action::Build(id(1), 500)
            ]
        );
    }

    #[test]
    fn nothing_to_do_when_every_large_business_has_its_index() {
        let existing = [ExistingIndex {
            business_id: id(1),
            valid: true,
        }];
        assert!(plan(&[(id(1), 500), (id(2), 10)], &existing, POLICY).is_empty());
    }
}
