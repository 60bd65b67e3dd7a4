//! Download links: short-lived (60 s), single-use, unguessable; following one records the
//! download (the delivery is then fulfilled and no longer refundable) and serves the file.

use std::path::Path;

use chrono::{Duration, Utc};
use entity::{delivery, download_link, order, order_line};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use super::{ids, watermark};
use crate::db::begin_write;

/// How long a download link lives.
pub const LINK_LIFETIME: Duration = Duration::seconds(60);

/// A new link's secret (shown once, in its URL) and expiry.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub token: String,
    pub expires_at: chrono::DateTime<Utc>,
}

pub async fn create_link(db: &impl ConnectionTrait, delivery_id: i64) -> Result<NewLink, DbErr> {
    let token = ids::new_secret("dl_");
    let now = Utc::now();
    let expires_at = now + LINK_LIFETIME;
    download_link::ActiveModel {
        token_hash: Set(ids::sha256_hex(&token)),
        delivery_id: Set(delivery_id),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(NewLink { token, expires_at })
}

/// Why a link does not lead to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// No such link (never issued, or forged).
    Unknown,
    Expired,
    Used,
    Voided,
    /// The file is not in the content store (a configuration problem, not the buyer's).
    ContentMissing(String),
    Watermark(String),
}

/// A file ready to send.
#[derive(Debug, Clone)]
pub struct Download {
    pub filename: String,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The media type of a delivered file, by its format.
pub fn media_type(format: &str) -> &'static str {
    match format {
        "epub" => "application/epub+zip",
        "pdf" => "application/pdf",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// Follows a download link: checks it, prepares the (watermarked) file, then marks the link
/// used and the delivery downloaded in one transaction whose conditions make a second use
/// fail. The file is prepared first so that a failure to produce it uses up nothing.
pub async fn follow(
    db: &DatabaseConnection,
    token: &str,
    content_dir: &Path,
) -> Result<Result<Download, LinkError>, DbErr> {
    let Some(link) = download_link::Entity::find()
        .filter(download_link::Column::TokenHash.eq(ids::sha256_hex(token)))
        .one(db)
        .await?
    else {
        return Ok(Err(LinkError::Unknown));
    };
    if link.used_at.is_some() {
        return Ok(Err(LinkError::Used));
    }
    if link.expires_at <= Utc::now() {
        return Ok(Err(LinkError::Expired));
    }
    let delivery = delivery::Entity::find_by_id(link.delivery_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("delivery of a link".into()))?;
    if delivery.status == "voided" {
        return Ok(Err(LinkError::Voided));
    }
    let line = order_line::Entity::find_by_id(delivery.order_line_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("line of a delivery".into()))?;
    let order = order::Entity::find_by_id(delivery.order_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a delivery".into()))?;
    let Some(isbn) = line.isbn.as_deref() else {
        return Ok(Err(LinkError::ContentMissing(format!(
            "product {} has no file",
            line.sku
        ))));
    };
    let filename = format!("{isbn}.{}", line.format);
    let original = match tokio::fs::read(content_dir.join(&filename)).await {
        Ok(bytes) => bytes,
        Err(err) => return Ok(Err(LinkError::ContentMissing(format!("{filename}: {err}")))),
    };
    let bytes = if line.protection == "watermark" {
        let buyer = format!("{} {}", order.first_name, order.last_name);
        let line_text = watermark::licence_line(buyer.trim(), &order.reference);
        let marked = match line.format.as_str() {
            "pdf" => watermark::watermark_pdf(&original, &line_text),
            "epub" => watermark::watermark_epub(&original, &line_text),
            other => Err(format!("no watermark for {other} files")),
        };
        match marked {
            Ok(bytes) => bytes,
            Err(err) => return Ok(Err(LinkError::Watermark(err))),
        }
    } else {
        original
    };

    let txn = begin_write(db).await?;
    let now = Utc::now();
    let used = download_link::Entity::update_many()
        .col_expr(download_link::Column::UsedAt, Expr::value(now))
        .filter(download_link::Column::Id.eq(link.id))
        .filter(download_link::Column::UsedAt.is_null())
        .filter(download_link::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if used.rows_affected == 0 {
        return Ok(Err(LinkError::Used));
    }
    let recorded = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::DownloadedAt,
            Expr::col(delivery::Column::DownloadedAt).if_null(now),
        )
        .filter(delivery::Column::Id.eq(delivery.id))
        .filter(delivery::Column::Status.ne("voided"))
        .exec(&txn)
        .await?;
    if recorded.rows_affected == 0 {
        return Ok(Err(LinkError::Voided));
    }
    txn.commit().await?;
    Ok(Ok(Download {
        filename,
        media_type: media_type(&line.format),
        bytes,
    }))
}
