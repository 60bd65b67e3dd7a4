//! The bond between a request's `Idempotency-Key` and the transaction that carries out its
//! effect. The idempotency middleware claims the key before the handler runs and hands the
//! claim down in a task-local; every transaction that changes something on a client's
//! behalf ends with [`commit`], which records the effect on the claimed key **in that same
//! transaction**. A key is therefore either absent, done (its effect committed and
//! recorded), or held by a request whose transaction has not committed: a crash between the
//! commit and the response can never make a retry repeat the effect.
//!
//! The record is fenced by the claim's token. A retry that takes over a key whose first
//! request looks dead replaces the token; should the first request still be alive, its
//! commit then finds no row with its token and rolls back instead of committing a second
//! effect. On PostgreSQL the two updates meet on the key's row lock; on SQLite write
//! transactions are serialised.

use std::{
    future::Future,
    sync::{Arc, Mutex},
};

use crate::db::WriteTxn;
use chrono::Utc;
use entity::idempotency_key;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

tokio::task_local! {
    static CLAIM: Claim;
}

/// What a request changed: the resource a retry is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    path: Option<String>,
    created: bool,
}

impl Effect {
    /// A new resource, readable at `/{collection}/{id}`.
    pub fn created(collection: &str, id: &str) -> Self {
        Effect {
            path: Some(format!("/{collection}/{id}")),
            created: true,
        }
    }

    /// A change to the resource at `/{collection}/{id}`.
    pub fn changed(collection: &str, id: &str) -> Self {
        Effect {
            path: Some(format!("/{collection}/{id}")),
            created: false,
        }
    }

    /// A new record with no resource of its own to read back.
    pub fn recorded() -> Self {
        Effect {
            path: None,
            created: true,
        }
    }

    /// Where the affected resource is read, relative to the API root.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The status the first response had: 201 for a creation, 200 otherwise.
    pub fn status(&self) -> u16 {
        if self.created { 201 } else { 200 }
    }
}

/// What became of a claim while its request ran.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Outcome {
    /// Nothing was committed on the key's behalf.
    #[default]
    Nothing,
    /// An effect was committed and recorded on the key.
    Committed(Effect),
    /// Another request took the key over; this request's effect was rolled back.
    Lost,
}

/// A claimed idempotency key: its row and the token that fences it.
#[derive(Debug, Clone)]
pub struct Claim {
    row: i64,
    token: String,
    outcome: Arc<Mutex<Outcome>>,
}

impl Claim {
    pub fn new(row: i64, token: String) -> Self {
        Claim {
            row,
            token,
            outcome: Arc::default(),
        }
    }

    /// What the request did with its claim.
    pub fn outcome(&self) -> Outcome {
        self.outcome
            .lock()
            .map(|outcome| outcome.clone())
            .unwrap_or_default()
    }

    fn set(&self, outcome: Outcome) {
        if let Ok(mut current) = self.outcome.lock() {
            // The first effect a request commits is the one a retry is answered with.
            if !matches!(*current, Outcome::Committed(_)) || outcome == Outcome::Lost {
                *current = outcome;
            }
        }
    }
}

/// Runs a request's handler holding `claim`, so that [`commit`] can record its effect.
pub async fn holding<F: Future>(claim: Claim, handler: F) -> F::Output {
    CLAIM.scope(claim, handler).await
}

/// The message of the error a commit returns when its key was taken over.
pub const CLAIM_LOST: &str = "the Idempotency-Key was taken over by a retry; the effect was rolled back";

/// Commits a transaction that carried out `effect`. Under a claimed idempotency key the
/// effect is first recorded on the key, fenced by the claim's token; if the key was taken
/// over, nothing is committed and the error says so.
pub async fn commit(txn: WriteTxn, effect: Effect) -> Result<(), DbErr> {
    let Ok(claim) = CLAIM.try_with(Claim::clone) else {
        return txn.commit().await;
    };
    if !record(&txn, &claim, &effect).await? {
        claim.set(Outcome::Lost);
        txn.rollback().await?;
        return Err(DbErr::Custom(CLAIM_LOST.to_owned()));
    }
    txn.commit().await?;
    claim.set(Outcome::Committed(effect));
    Ok(())
}

/// Writes the effect on the claimed key's row if the claim still holds it. A request
/// that commits twice keeps its first effect.
async fn record(txn: &WriteTxn, claim: &Claim, effect: &Effect) -> Result<bool, DbErr> {
    let recorded = idempotency_key::Entity::update_many()
        .filter(idempotency_key::Column::Id.eq(claim.row))
        .filter(idempotency_key::Column::Claim.eq(claim.token.as_str()))
        .col_expr(idempotency_key::Column::CommittedAt, Expr::value(Utc::now()))
        .col_expr(
            idempotency_key::Column::EffectPath,
            Expr::value(effect.path.clone()),
        )
        .col_expr(
            idempotency_key::Column::EffectStatus,
            Expr::value(i32::from(effect.status())),
        )
        .filter(idempotency_key::Column::CommittedAt.is_null())
        .exec(txn)
        .await?;
    if recorded.rows_affected == 1 {
        return Ok(true);
    }
    let still_ours = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Id.eq(claim.row))
        .filter(idempotency_key::Column::Claim.eq(claim.token.as_str()))
        .one(txn)
        .await?;
    Ok(still_ours.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_effect_answers_201_at_its_resource() {
        let effect = Effect::created("orders", "ord_1");
        assert_eq!(effect.path(), Some("/orders/ord_1"));
        assert_eq!(effect.status(), 201);
    }

    #[test]
    fn a_lost_claim_stays_lost_and_a_first_effect_is_kept() {
        let claim = Claim::new(1, "t".into());
        claim.set(Outcome::Committed(Effect::created("orders", "a")));
        claim.set(Outcome::Committed(Effect::created("orders", "b")));
        assert_eq!(
            claim.outcome(),
            Outcome::Committed(Effect::created("orders", "a"))
        );
        claim.set(Outcome::Lost);
        assert_eq!(claim.outcome(), Outcome::Lost);
    }
}
