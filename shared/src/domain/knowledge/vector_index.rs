//! When a business gets indexes of its own passages, and what a sweep does about it.
//!
//! Every passage is in the shared HNSW index, which a search of one business walks with a filter:
//! for a business with many passages the graph walk then keeps going past other businesses'
//! passages, and on the benchmark's large business (20,080 passages) its recall@10 against exact
//! search was 0.58 at `ef_search` 100 at 1,536 components, 0.52 at 512 (the search's 20
//! candidates, the 10 nearest kept). A partial index of that business's passages alone, built
//! with a denser graph (`m` 32, `ef_construction` 400) over `halfvec` (half the bytes per
//! distance), reached 0.90 at `ef_search` 100 and 0.966 at 250 (README, "Knowledge
//! benchmarks").
//! The same holds for the words: the shared full-text index answers a large business's keyword
//! half with every business's passages that have the words, which the scan then drops; a partial
//! GIN index of the business's own passages hands it only its own.
//! A small business needs neither: its few passages are read by the business index and ranked
//! exactly.
//!
//! The indexes' names carry the business's id, so the database's catalogue is the one record of
//! which businesses have them: nothing else can drift from it.

use std::time::Duration;

use serde::Serialize;
use uuid::Uuid;

/// When a sweep builds and drops a business's own indexes. The gap between the two keeps a
/// business near the line from having its indexes built and dropped by turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexPolicy {
    /// A business with at least this many passages gets its own indexes.
    pub build_at: i64,
    /// A business's own indexes are dropped when it has fewer passages than this (or is gone).
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

/// The HNSW graph's links per node for a business's own index (pgvector's default is 16; 16
/// here never reached recall 0.95 up to `ef_search` 400 on the benchmark: README).
pub const OWN_INDEX_M: u32 = 32;
/// Candidates kept while building a business's own index (pgvector's default is 64). At 512
/// components, 400 against 200 took recall@10 at `ef_search` 250 from 0.956 to 0.966 on the
/// benchmark, for a build of 25 s instead of 17 s (README).
pub const OWN_INDEX_EF_CONSTRUCTION: u32 = 400;

const VECTORS_PREFIX: &str = "knowledge_vectors_";
const WORDS_PREFIX: &str = "knowledge_words_";

/// The two indexes a large business has of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKind {
    /// HNSW over the embeddings (as `halfvec`): the vector half.
    Vectors,
    /// GIN over the words (`content_tsv`): the keyword half.
    Words,
}

impl IndexKind {
    /// In the order a sweep builds them: the vectors first, the costlier and the more useful.
    pub const ALL: [IndexKind; 2] = [IndexKind::Vectors, IndexKind::Words];

    fn prefix(self) -> &'static str {
        match self {
            IndexKind::Vectors => VECTORS_PREFIX,
            IndexKind::Words => WORDS_PREFIX,
        }
    }
}

/// One of a business's own indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OwnIndex {
    pub business_id: Uuid,
    pub kind: IndexKind,
}

impl OwnIndex {
    /// Its name: the kind's prefix and the business id's 32 hex digits (at most 50 characters,
    /// under Postgres's 63), safe to write into DDL as is.
    pub fn name(self) -> String {
        format!("{}{}", self.kind.prefix(), self.business_id.simple())
    }

    /// The index `name` is, if it is one of a business's own: exactly a name `name` gives.
    pub fn parse(name: &str) -> Option<OwnIndex> {
        IndexKind::ALL.into_iter().find_map(|kind| {
            let business_id = Uuid::try_parse(name.strip_prefix(kind.prefix())?).ok()?;
            let index = OwnIndex { business_id, kind };
            (index.name() == name).then_some(index)
        })
    }
}

/// A business's own index as the catalogue has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingIndex {
    pub index: OwnIndex,
    /// False when a concurrent build failed or is still running: searches do not use it.
    pub valid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Drop(OwnIndex),
    /// The index, and its business's passages (what the build's time and memory depend on).
    Build(OwnIndex, i64),
}

/// Passages a build indexes per second, for deciding whether one can finish in the time left:
/// at most half the rate measured on the benchmark's 2-core machine (20,080 passages in 30-45 s
/// for the HNSW index at 1,536 components over several days' runs, 25-26 s at 512 with
/// `ef_construction` 400; 0.5 s for the GIN index).
fn build_passages_per_second(kind: IndexKind) -> i64 {
    match kind {
        IndexKind::Vectors => 250,
        IndexKind::Words => 20_000,
    }
}

/// Whether a build may start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildFit {
    Fits,
    /// Not within the time left: the next sweep starts with it.
    NotNow,
    /// Not within a whole sweep's time (`budget`): the operator command builds it.
    TooLarge,
}

/// Whether a build of a `kind` index over `passages` can finish within the time `left`, and
/// within a whole sweep's `budget`, at the kind's assumed rate (a second at least).
pub fn build_fit(kind: IndexKind, passages: i64, budget: Duration, left: Duration) -> BuildFit {
    let seconds = passages.max(0) / build_passages_per_second(kind) + 1;
    let needs = Duration::from_secs(seconds as u64);
    if needs > budget {
        BuildFit::TooLarge
    } else if needs > left {
        BuildFit::NotNow
    } else {
        BuildFit::Fits
    }
}

/// What a sweep does, in order: drops first (the indexes of businesses that shrank or went,
/// and the invalid indexes a failed build left), then builds, largest business first (the most
/// searches helped per build, if the sweep runs out of time), its HNSW index before its GIN
/// index. Each index is its own action: a valid index is never dropped for its partner's sake
/// (a business indexed before it had both, or whose other build failed, keeps the one it has,
/// and gets the other while it is over the build line). An invalid index of a business that
/// still qualifies is dropped and built again.
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
    let mut drops: Vec<OwnIndex> = existing
        .iter()
        .filter(|e| !e.valid || count(e.index.business_id) < policy.drop_below)
        .map(|e| e.index)
        .collect();
    drops.sort();
    let has_valid = |i: OwnIndex| existing.iter().any(|e| e.index == i && e.valid);
    let mut large: Vec<(Uuid, i64)> = passages
        .iter()
        .copied()
        .filter(|&(_, n)| n >= policy.build_at)
        .collect();
    large.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let builds = large.into_iter().flat_map(|(business_id, n)| {
        IndexKind::ALL
            .into_iter()
            .map(move |kind| (OwnIndex { business_id, kind }, n))
    });
    drops
        .into_iter()
        .map(Action::Drop)
        .chain(
            builds
                .filter(|&(index, _)| !has_valid(index))
                .map(|(index, n)| Action::Build(index, n)),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use IndexKind::{Vectors, Words};

    const POLICY: IndexPolicy = IndexPolicy {
        build_at: 100,
        drop_below: 50,
    };

    fn index(n: u128, kind: IndexKind) -> OwnIndex {
        OwnIndex {
            business_id: Uuid::from_u128(n),
            kind,
        }
    }

    fn existing(n: u128, kind: IndexKind, valid: bool) -> ExistingIndex {
        ExistingIndex {
            index: index(n, kind),
            valid,
        }
    }

    fn passages(counts: &[(u128, i64)]) -> Vec<(Uuid, i64)> {
        counts
            .iter()
            .map(|&(n, c)| (Uuid::from_u128(n), c))
            .collect()
    }

    #[test]
    fn names_carry_the_business_and_the_kind_and_read_back() {
        let b = Uuid::parse_str("f2735f0c-dd5a-49cd-a53a-5521989d38d4").unwrap();
        let vectors = OwnIndex {
            business_id: b,
            kind: Vectors,
        };
        let name = vectors.name();
        assert_eq!(name, "knowledge_vectors_f2735f0cdd5a49cda53a5521989d38d4");
        assert!(name.len() <= 63);
        assert_eq!(OwnIndex::parse(&name), Some(vectors));
        let words = OwnIndex {
            business_id: b,
            kind: Words,
        };
        assert_eq!(
            words.name(),
            "knowledge_words_f2735f0cdd5a49cda53a5521989d38d4"
        );
        assert_eq!(OwnIndex::parse(&words.name()), Some(words));
        for other in [
            "knowledge_chunks_embedding",
            "knowledge_chunks_text",
            "knowledge_vectors_F2735F0CDD5A49CDA53A5521989D38D4",
            "knowledge_vectors_f2735f0c",
            "knowledge_vectors_f2735f0c-dd5a-49cd-a53a-5521989d38",
            "knowledge_words_f2735f0c-dd5a-49cd-a53a-5521989d38d4",
        ] {
            assert_eq!(OwnIndex::parse(other), None, "{other}");
        }
    }

    #[test]
    fn builds_for_large_businesses_largest_first_vectors_before_words() {
        let passages = passages(&[(1, 99), (2, 100), (3, 5_000), (4, 20)]);
        assert_eq!(
            plan(&passages, &[], POLICY),
            [
                Action::Build(index(3, Vectors), 5_000),
                Action::Build(index(3, Words), 5_000),
                Action::Build(index(2, Vectors), 100),
                Action::Build(index(2, Words), 100),
            ]
        );
    }

    #[test]
    fn keeps_indexes_between_the_two_lines_and_drops_them_below() {
        let existing = [
            existing(1, Vectors, true),
            existing(1, Words, true),
            existing(2, Vectors, true),
            existing(2, Words, true),
            existing(3, Words, true),
        ];
        // 1 shrank but stays over the drop line; 2 fell under it; 3 is gone.
        let passages = passages(&[(1, 50), (2, 49)]);
        assert_eq!(
            plan(&passages, &existing, POLICY),
            [
                Action::Drop(index(2, Vectors)),
                Action::Drop(index(2, Words)),
                Action::Drop(index(3, Words)),
            ]
        );
    }

    #[test]
    fn an_invalid_index_is_dropped_and_built_again_if_still_wanted() {
        let existing = [
            existing(1, Vectors, false),
            existing(1, Words, true),
            existing(2, Vectors, false),
        ];
        let passages = passages(&[(1, 500), (2, 60)]);
        assert_eq!(
            plan(&passages, &existing, POLICY),
            [
                Action::Drop(index(1, Vectors)),
                Action::Drop(index(2, Vectors)),
                Action::Build(index(1, Vectors), 500)
            ]
        );
    }

    #[test]
    fn a_valid_index_stays_while_its_missing_partner_is_built() {
        // 1 was indexed before businesses had GIN indexes of their own; 2's HNSW build failed
        // after its GIN index was built, and its remains were dropped.
        let existing = [existing(1, Vectors, true), existing(2, Words, true)];
        let passages = passages(&[(1, 500), (2, 400)]);
        assert_eq!(
            plan(&passages, &existing, POLICY),
            [
                Action::Build(index(1, Words), 500),
                Action::Build(index(2, Vectors), 400)
            ]
        );
    }

    #[test]
    fn each_kind_is_timed_at_its_own_rate() {
        let (budget, minute) = (Duration::from_secs(240), Duration::from_secs(60));
        // 20,000 passages: about 81 s for the HNSW index, 2 s for the GIN index.
        assert_eq!(build_fit(Vectors, 20_000, budget, budget), BuildFit::Fits);
        assert_eq!(build_fit(Vectors, 20_000, budget, minute), BuildFit::NotNow);
        assert_eq!(build_fit(Words, 20_000, budget, minute), BuildFit::Fits);
        // 60,000: the HNSW index (241 s) is too large for the job, the GIN index (4 s) is not.
        assert_eq!(
            build_fit(Vectors, 60_000, budget, budget),
            BuildFit::TooLarge
        );
        assert_eq!(build_fit(Words, 60_000, budget, budget), BuildFit::Fits);
        assert_eq!(
            build_fit(Words, 60_000, budget, Duration::from_secs(3)),
            BuildFit::NotNow
        );
        // No time at all: nothing starts, not even the smallest build.
        assert_eq!(
            build_fit(Words, 1, Duration::ZERO, Duration::ZERO),
            BuildFit::TooLarge
        );
    }

    #[test]
    fn nothing_to_do_when_every_large_business_has_its_indexes() {
        let existing = [existing(1, Vectors, true), existing(1, Words, true)];
        assert!(plan(&passages(&[(1, 500), (2, 10)]), &existing, POLICY).is_empty());
    }
}
