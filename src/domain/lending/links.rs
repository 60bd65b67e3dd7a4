//! A loan's download links: 60 s, single use, as for a buyer's delivery. Following one
//! serves the book watermarked with the library's name and the patron's id; once the loan
//! has ended (returned, or past due) its links lead nowhere.

use crate::db::{FindUnique, begin_write};
use chrono::Utc;
use entity::{library, loan, loan_link, product};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use std::path::Path;

use crate::domain::{
    downloads::{Download, LINK_LIFETIME, LinkError, NewLink, media_type, read_marked},
    ids,
    status::LoanStatus,
};

/// Why a loan's link leads to no file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoanLinkError {
    /// The loan was returned or ran out.
    LoanEnded,
    Link(LinkError),
}

/// A new link for a running loan; `None` when the loan has ended.
pub async fn create(db: &impl ConnectionTrait, loan: &loan::Model) -> Result<Option<NewLink>, DbErr> {
    let now = Utc::now();
    if loan.status != LoanStatus::Active.as_str() || loan.due_at <= now {
        return Ok(None);
    }
    let token = ids::new_secret("ll_");
    let expires_at = now + LINK_LIFETIME;
    loan_link::ActiveModel {
        token_hash: Set(ids::sha256_hex(&token)),
        loan_id: Set(loan.id),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some(NewLink { token, expires_at }))
}

/// The line written into a lent book.
pub fn lending_line(library: &str, patron_id: &str, loan_uid: &str) -> String {
    format!("Lent by {library} to patron {patron_id} - loan {loan_uid}")
}

/// Follows a loan's link: checks it and its loan, prepares the watermarked file, then
/// marks the link used (a condition of the UPDATE, so a second use fails).
pub async fn follow(
    db: &DatabaseConnection,
    token: &str,
    content_dir: &Path,
) -> Result<Result<Download, LoanLinkError>, DbErr> {
    let Some(link) = loan_link::Entity::find()
        .filter(loan_link::Column::TokenHash.eq(ids::sha256_hex(token)))
        .unique(db)
        .await?
    else {
        return Ok(Err(LoanLinkError::Link(LinkError::Unknown)));
    };
    let now = Utc::now();
    if link.used_at.is_some() {
        return Ok(Err(LoanLinkError::Link(LinkError::Used)));
    }
    if link.expires_at <= now {
        return Ok(Err(LoanLinkError::Link(LinkError::Expired)));
    }
    let loan = loan::Entity::find_by_id(link.loan_id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("loan of a link".into()))?;
    if loan.status != LoanStatus::Active.as_str() || loan.due_at <= now {
        return Ok(Err(LoanLinkError::LoanEnded));
    }
    let (product, library) = subject(db, &loan).await?;
    let line = lending_line(&library.name, &loan.patron_id, &loan.uid);
    let Some(isbn) = product.isbn.as_deref() else {
        return Ok(Err(LoanLinkError::Link(LinkError::ContentMissing(format!(
            "product {} has no file",
            product.sku
        )))));
    };
    let marked = read_marked(content_dir, isbn, &product.format, Some(line)).await;
    let (filename, bytes) = match marked {
        Ok(file) => file,
        Err(err) => return Ok(Err(LoanLinkError::Link(err))),
    };
    if let Err(err) = record(db, link.id, loan.id).await? {
        return Ok(Err(err));
    }
    Ok(Ok(Download {
        filename,
        media_type: media_type(&product.format),
        bytes,
    }))
}

async fn subject(
    db: &impl ConnectionTrait,
    loan: &loan::Model,
) -> Result<(product::Model, library::Model), DbErr> {
    let product = product::Entity::find_by_id(loan.product_id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("product of a loan".into()))?;
    let library = library::Entity::find_by_id(loan.library_id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("library of a loan".into()))?;
    Ok((product, library))
}

/// Marks the link used and the loan downloaded, while the loan runs.
async fn record(
    db: &DatabaseConnection,
    link_id: i64,
    loan_id: i64,
) -> Result<Result<(), LoanLinkError>, DbErr> {
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let used = loan_link::Entity::update_many()
        .col_expr(loan_link::Column::UsedAt, Expr::value(now))
        .filter(loan_link::Column::Id.eq(link_id))
        .filter(loan_link::Column::UsedAt.is_null())
        .filter(loan_link::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if used.rows_affected == 0 {
        return Ok(Err(LoanLinkError::Link(LinkError::Used)));
    }
    let recorded = loan::Entity::update_many()
        .col_expr(
            loan::Column::DownloadedAt,
            Expr::col(loan::Column::DownloadedAt).if_null(now),
        )
        .filter(loan::Column::Id.eq(loan_id))
        .filter(loan::Column::Status.eq(LoanStatus::Active.as_str()))
        .filter(loan::Column::DueAt.gt(now))
        .exec(&txn)
        .await?;
    if recorded.rows_affected == 0 {
        return Ok(Err(LoanLinkError::LoanEnded));
    }
    txn.commit().await?;
    Ok(Ok(()))
}
