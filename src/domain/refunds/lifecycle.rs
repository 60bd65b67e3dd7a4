//! A refund request's life before processing: opened (with its outbox event, in one
//! transaction), changed or cancelled by the holder, approved or rejected by the merchant.
//! Each change is a conditional update on the version read, so that none is lost.

use crate::db::FindUnique;
use chrono::Utc;
use entity::{merchant, order, refund_request};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, UpdateMany,
    sea_query::{Expr, ExprTrait},
};

use super::{RefundError, eligibility::check_eligibility, split::Split};
use crate::{
    db::{begin_write, is_unique_violation},
    domain::{
        iban::{Iban, InvalidIban},
        ids,
        money::Money,
        outbox,
        status::{RefundRequestStatus, RefundSource},
    },
    effect::{self, Effect},
};

/// Bank details a holder submits for a refund by transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankDetails {
    pub account_holder: String,
    pub iban: Iban,
}

/// A field of the bank details that is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankRefusal {
    /// Blank once trimmed.
    AccountHolder,
    Iban(InvalidIban),
}

impl BankRefusal {
    pub fn field(self) -> &'static str {
        match self {
            BankRefusal::AccountHolder => "account_holder",
            BankRefusal::Iban(_) => "iban",
        }
    }

    pub fn message(self) -> String {
        match self {
            BankRefusal::AccountHolder => "1 to 100 characters".into(),
            BankRefusal::Iban(why) => why.to_string(),
        }
    }
}

/// The bank details were refused: each field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankDetailsRefused(pub Vec<BankRefusal>);

impl BankDetails {
    pub fn new(account_holder: &str, iban: &str) -> Result<Self, BankDetailsRefused> {
        let account_holder = account_holder.trim();
        let iban = Iban::parse(iban);
        let mut refused = Vec::new();
        if account_holder.is_empty() {
            refused.push(BankRefusal::AccountHolder);
        }
        if let Err(why) = &iban {
            refused.push(BankRefusal::Iban(*why));
        }
        match iban {
            Ok(iban) if refused.is_empty() => Ok(BankDetails {
                account_holder: account_holder.to_owned(),
                iban,
            }),
            _ => Err(BankDetailsRefused(refused)),
        }
    }

    fn to_json(&self) -> String {
        serde_json::json!({"account_holder": self.account_holder, "iban": self.iban.as_str()}).to_string()
    }
}

/// What a new request holds.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub source: RefundSource,
    pub split: Split,
    pub keep_tickets: bool,
    pub reason: Option<String>,
    pub bank_details: Option<BankDetails>,
}

/// The holder asks for a refund. In one transaction: every rule of the sale cancellation
/// is checked on the order as it is now, the request inserted and its event written to the
/// outbox — so that there is never a request without its event.
pub async fn request_refund(
    db: &DatabaseConnection,
    order: &order::Model,
    merchant: &merchant::Model,
    new: NewRequest,
    stated: Option<Money>,
) -> Result<refund_request::Model, RefundError> {
    let txn = begin_write(db).await?;
    let order = order::Entity::find_by_id(order.id)
        .unique(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a refund request".into()))?;
    if let Err(why) = check_eligibility(&txn, &order, merchant, new.source, stated, Utc::now()).await? {
        return Err(RefundError::Ineligible(why));
    }
    let request = open(&txn, &order, new).await?;
    effect::commit(txn, Effect::created("refund_requests", &request.uid)).await?;
    Ok(request)
}

/// Opens a request and writes its event, in the caller's transaction. The unique index on
/// the open order id makes a second open request of the same order fail, however
/// concurrent.
pub(super) async fn open(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    new: NewRequest,
) -> Result<refund_request::Model, RefundError> {
    let split = new.split;
    let inserted = refund_request::ActiveModel {
        uid: Set(ids::new_uid()),
        order_id: Set(order.id),
        open_order_id: Set(Some(order.id)),
        status: Set(RefundRequestStatus::New.as_str().into()),
        source: Set(new.source.as_str().into()),
        refund_percentage: Set(Some(split.refund.to_string())),
        change_order_percentage: Set(split.change_order.map(|p| p.to_string())),
        voucher_percentage: Set(Some(split.voucher.to_string())),
        donation_percentage: Set(Some(split.donation.to_string())),
        bank_details: Set(new.bank_details.as_ref().map(BankDetails::to_json)),
        keep_tickets: Set(new.keep_tickets),
        reason: Set(new.reason),
        decision_reason: Set(None),
        created_at: Set(Utc::now()),
        decided_at: Set(None),
        processed_at: Set(None),
        version: Set(1),
        ..Default::default()
    }
    .insert(txn)
    .await;
    let request = match inserted {
        Ok(request) => request,
        Err(err) if is_unique_violation(&err) => return Err(RefundError::OpenExists),
        Err(err) => return Err(err.into()),
    };
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id: order.merchant_id,
            event_type: "refund_request.created",
            subject_uid: &request.uid,
            self_path: format!("/refund_requests/{}", request.uid),
            data: serde_json::json!({"uid": request.uid, "status": request.status, "refund_request_uid": request.uid,
                                     "order_uid": order.uid, "source": new.source.as_str(),
                                     "keep_tickets": request.keep_tickets,
                                     "created_at": request.created_at.to_rfc3339()}),
        },
    )
    .await?;
    Ok(request)
}

/// A change the holder makes while the request is new.
#[derive(Debug, Clone, Default)]
pub struct HolderChange {
    pub split: Option<Split>,
    pub keep_tickets: Option<bool>,
    pub bank_details: Option<BankDetails>,
    pub cancel: bool,
}

/// Applies a holder's change if the request is still `new` and at `version`.
pub async fn change_by_holder(
    db: &impl ConnectionTrait,
    request: &refund_request::Model,
    version: i32,
    change: HolderChange,
) -> Result<refund_request::Model, RefundError> {
    expect_status(request, RefundRequestStatus::New, "changed")?;
    let mut update = refund_request::Entity::update_many();
    if let Some(split) = change.split {
        update = update
            .col_expr(
                refund_request::Column::RefundPercentage,
                Expr::value(split.refund.to_string()),
            )
            .col_expr(
                refund_request::Column::VoucherPercentage,
                Expr::value(split.voucher.to_string()),
            )
            .col_expr(
                refund_request::Column::DonationPercentage,
                Expr::value(split.donation.to_string()),
            )
            .col_expr(
                refund_request::Column::ChangeOrderPercentage,
                Expr::value(split.change_order.map(|p| p.to_string())),
            );
    }
    if let Some(keep) = change.keep_tickets {
        update = update.col_expr(refund_request::Column::KeepTickets, Expr::value(keep));
    }
    if let Some(details) = &change.bank_details {
        update = update.col_expr(
            refund_request::Column::BankDetails,
            Expr::value(details.to_json()),
        );
    }
    if change.cancel {
        update = update
            .col_expr(
                refund_request::Column::Status,
                Expr::value(RefundRequestStatus::Cancelled.as_str()),
            )
            .col_expr(
                refund_request::Column::OpenOrderId,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(refund_request::Column::DecidedAt, Expr::value(Utc::now()));
    }
    advance(db, update, request, version, RefundRequestStatus::New).await?;
    let changed = reload(db, request.id).await?;
    if change.cancel {
        let order = super::order_by_id(db, changed.order_id)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("order of a refund request".into()))?;
        write_status_event(db, &changed, order.merchant_id).await?;
    }
    Ok(changed)
}

/// `refund_request.<status>`: the request was approved, rejected or cancelled.
async fn write_status_event(
    txn: &impl ConnectionTrait,
    request: &refund_request::Model,
    merchant_id: i64,
) -> Result<(), DbErr> {
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id,
            event_type: &format!("refund_request.{}", request.status),
            subject_uid: &request.uid,
            self_path: format!("/refund_requests/{}", request.uid),
            data: serde_json::json!({"uid": request.uid, "status": request.status,
                                     "refund_request_uid": request.uid,
                                     "decision_reason": request.decision_reason}),
        },
    )
    .await
}

/// The merchant's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Process,
}

/// Approves a new request (eligibility checked again, in the same transaction) or rejects a
/// new or approved one: an approved request that can no longer be processed (the buyer
/// downloaded the file in between) is closed by rejecting it, which frees the order for
/// another request.
pub(super) async fn approve_or_reject(
    db: &DatabaseConnection,
    request: &refund_request::Model,
    version: i32,
    approve: bool,
    reason: Option<String>,
) -> Result<refund_request::Model, RefundError> {
    let from = RefundRequestStatus::from_stored(&request.status)?;
    match (approve, from) {
        (_, RefundRequestStatus::New) | (false, RefundRequestStatus::Approved) => {}
        (true, _) => expect_status(request, RefundRequestStatus::New, "approved")?,
        (false, _) => {
            return Err(RefundError::WrongState(format!(
                "the request is {}; only a new or approved request can be rejected",
                request.status
            )));
        }
    }
    let txn = begin_write(db).await?;
    let order = order::Entity::find_by_id(request.order_id)
        .unique(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a refund request".into()))?;
    let (status, open) = if approve {
        let merchant = merchant::Entity::find_by_id(order.merchant_id)
            .unique(&txn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("merchant".into()))?;
        let source = RefundSource::from_stored(&request.source)?;
        if let Err(why) = check_eligibility(&txn, &order, &merchant, source, None, Utc::now()).await? {
            return Err(RefundError::Ineligible(why));
        }
        (RefundRequestStatus::Approved, Some(order.id))
    } else {
        (RefundRequestStatus::Rejected, None)
    };
    let update = refund_request::Entity::update_many()
        .col_expr(refund_request::Column::Status, Expr::value(status.as_str()))
        .col_expr(refund_request::Column::OpenOrderId, Expr::value(open))
        .col_expr(refund_request::Column::DecisionReason, Expr::value(reason))
        .col_expr(refund_request::Column::DecidedAt, Expr::value(Utc::now()));
    advance(&txn, update, request, version, from).await?;
    let decided = reload(&txn, request.id).await?;
    write_status_event(&txn, &decided, order.merchant_id).await?;
    effect::commit(txn, Effect::changed("refund_requests", &request.uid)).await?;
    Ok(decided)
}

/// Refuses a change unless the request is in `status`.
pub(super) fn expect_status(
    request: &refund_request::Model,
    status: RefundRequestStatus,
    change: &str,
) -> Result<(), RefundError> {
    if request.status == status.as_str() {
        return Ok(());
    }
    Err(RefundError::WrongState(format!(
        "the request is {}; only {} {} request can be {change}",
        request.status,
        if status == RefundRequestStatus::Approved {
            "an"
        } else {
            "a"
        },
        status.as_str()
    )))
}

/// Runs `update` (and raises the version) only if the request is still at `version` and
/// in `from`; otherwise someone changed it first.
pub(super) async fn advance(
    db: &impl ConnectionTrait,
    update: UpdateMany<refund_request::Entity>,
    request: &refund_request::Model,
    version: i32,
    from: RefundRequestStatus,
) -> Result<(), RefundError> {
    let result = update
        .col_expr(
            refund_request::Column::Version,
            Expr::col(refund_request::Column::Version).add(1),
        )
        .filter(refund_request::Column::Id.eq(request.id))
        .filter(refund_request::Column::Version.eq(version))
        .filter(refund_request::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(RefundError::VersionMismatch);
    }
    Ok(())
}

pub(super) async fn reload(db: &impl ConnectionTrait, id: i64) -> Result<refund_request::Model, RefundError> {
    Ok(refund_request::Entity::find_by_id(id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("refund request vanished".into()))?)
}
