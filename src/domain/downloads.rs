//! Download links: short-lived (60 s), single-use, unguessable; following one records the
//! download (the delivery is then fulfilled and no longer refundable) and serves the file.

use crate::db::FindUnique;
use std::path::Path;

use chrono::{Duration, Utc};
use entity::{delivery, download_link, order, order_line};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use super::{deliveries, ids, status::DeliveryStatus, watermark};
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
    let (link, delivery, line, order) = match usable_link(db, token).await? {
        Ok(found) => found,
        Err(err) => return Ok(Err(err)),
    };
    let (filename, bytes) = match prepare_file(&line, &order, content_dir).await {
        Ok(file) => file,
        Err(err) => return Ok(Err(err)),
    };
    if let Err(err) = record_download(db, link.id, delivery.id).await? {
        return Ok(Err(err));
    }
    Ok(Ok(Download {
        filename,
        media_type: media_type(&line.format),
        bytes,
    }))
}

type Usable = (
    download_link::Model,
    delivery::Model,
    order_line::Model,
    order::Model,
);

/// The link of `token`, if unused and unexpired, with its delivery (not voided), line and order.
async fn usable_link(db: &DatabaseConnection, token: &str) -> Result<Result<Usable, LinkError>, DbErr> {
    let Some(link) = download_link::Entity::find()
        .filter(download_link::Column::TokenHash.eq(ids::sha256_hex(token)))
        .unique(db)
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
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("delivery of a link".into()))?;
    if delivery.status == DeliveryStatus::Voided.as_str() {
        return Ok(Err(LinkError::Voided));
    }
    let (_, line, order) = deliveries::find(db, &delivery.uid)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("line or order of a delivery".into()))?;
    Ok(Ok((link, delivery, line, order)))
}

/// The file of a line, read from the content store and watermarked when the product asks.
async fn prepare_file(
    line: &order_line::Model,
    order: &order::Model,
    content_dir: &Path,
) -> Result<(String, Vec<u8>), LinkError> {
    let Some(isbn) = line.isbn.as_deref() else {
        return Err(LinkError::ContentMissing(format!(
            "product {} has no file",
            line.sku
        )));
    };
    let buyer = format!("{} {}", order.first_name, order.last_name);
    let mark =
        (line.protection == "watermark").then(|| watermark::licence_line(buyer.trim(), &order.reference));
    read_marked(content_dir, isbn, &line.format, mark).await
}

/// The file `<isbn>.<format>` of the content store, with `mark` written into it when given.
pub async fn read_marked(
    content_dir: &Path,
    isbn: &str,
    format: &str,
    mark: Option<String>,
) -> Result<(String, Vec<u8>), LinkError> {
    let filename = format!("{isbn}.{format}");
    let original = tokio::fs::read(content_dir.join(&filename))
        .await
        .map_err(|err| LinkError::ContentMissing(format!("{filename}: {err}")))?;
    let Some(line_text) = mark else {
        return Ok((filename, original));
    };
    let format = format.to_owned();
    // Rewriting a book is CPU work with deep call stacks (zip, deflate, PDF parsing): it runs
    // on a blocking thread, so it neither stalls the requests sharing this worker nor adds
    // its stack to theirs.
    let marked = tokio::task::spawn_blocking(move || match format.as_str() {
        "pdf" => watermark::watermark_pdf(&original, &line_text),
        "epub" => watermark::watermark_epub(&original, &line_text),
        other => Err(format!("no watermark for {other} files")),
    })
    .await
    .unwrap_or_else(|err| Err(format!("watermarking stopped: {err}")));
    marked
        .map(|bytes| (filename, bytes))
        .map_err(LinkError::Watermark)
}

/// Marks the link used and the delivery downloaded, once: both conditions are in the UPDATEs.
async fn record_download(
    db: &DatabaseConnection,
    link_id: i64,
    delivery_id: i64,
) -> Result<Result<(), LinkError>, DbErr> {
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let used = download_link::Entity::update_many()
        .col_expr(download_link::Column::UsedAt, Expr::value(now))
        .filter(download_link::Column::Id.eq(link_id))
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
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::Status.ne(DeliveryStatus::Voided.as_str()))
        .exec(&txn)
        .await?;
    if recorded.rows_affected == 0 {
        return Ok(Err(LinkError::Voided));
    }
    txn.commit().await?;
    Ok(Ok(()))
}
