//! The idempotency store against a model, on the emulator's table: any sequence of claims,
//! completions and releases by a few workers on one key leaves the store where the model says,
//! and answers each step as the model does. A worker with a stale token can neither complete nor
//! release another's claim, and a completed record is never claimed again. 128 sequences (each
//! step is a DynamoDB call).

use std::time::Duration;

use proptest::prelude::*;
use shared::idempotency::{Claim, ClaimToken, IdempotencyStore};

#[derive(Debug, Clone)]
enum Op {
    Claim(usize),
    Complete(usize, Option<String>),
    Release(usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Model {
    Free,
    /// Held by this claim (the number of the `Claim` that acquired it).
    Held(usize),
    Done(Option<String>),
}

fn op() -> impl Strategy<Value = Op> {
    let worker = 0..3usize;
    prop_oneof![
        worker.clone().prop_map(Op::Claim),
        (worker.clone(), prop::option::of("[a-z]{1,6}")).prop_map(|(w, d)| Op::Complete(w, d)),
        worker.prop_map(Op::Release),
    ]
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

fn store() -> &'static IdempotencyStore {
    static STORE: std::sync::OnceLock<IdempotencyStore> = std::sync::OnceLock::new();
    STORE.get_or_init(|| {
        runtime().block_on(async {
            let aws = shared::testing::aws().await;
            // Long enough that no claim lapses during a sequence: lapses are not modelled here.
            shared::testing::idempotency(&aws, Duration::from_secs(3600), Duration::from_secs(600))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_store_follows_the_model(ops in prop::collection::vec(op(), 1..12)) {
        let key = format!("model-{}", uuid::Uuid::new_v4());
        let store = store();
        runtime().block_on(async {
            let mut model = Model::Free;
            // Each worker's latest token, with the number of the claim that issued it.
            let mut tokens: [Option<(usize, ClaimToken)>; 3] = [None, None, None];
            for (n, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Claim(w) => {
                        let got = store.claim(&key).await.unwrap();
                        match (&model, got) {
                            (Model::Free, Claim::Acquired(token)) => {
                                tokens[w] = Some((n, token));
                                model = Model::Held(n);
                            }
                            (Model::Held(_), Claim::InProgress) => {}
                            (Model::Done(data), Claim::AlreadyCompleted { data: got }) => {
                                prop_assert_eq!(data, &got);
                            }
                            (model, got) => prop_assert!(false, "{:?} answered a claim with {:?}", model, got),
                        }
                    }
                    Op::Complete(w, data) => {
                        let Some((claim, token)) = tokens[w].clone() else { continue };
                        let done = store.complete(&key, &token, data.as_deref()).await;
                        if model == Model::Held(claim) {
                            prop_assert!(done.is_ok(), "the holder completes");
                            model = Model::Done(data);
                        } else {
                            prop_assert!(done.is_err(), "a stale token cannot complete ({:?})", model);
                        }
                    }
                    Op::Release(w) => {
                        let Some((claim, token)) = tokens[w].clone() else { continue };
                        store.release(&key, &token).await.unwrap();
                        if model == Model::Held(claim) {
                            model = Model::Free;
                        }
                    }
                }
            }
            Ok(())
        })?;
    }
}
