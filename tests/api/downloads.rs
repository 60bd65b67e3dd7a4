//! Deliveries of a paid order: download links, the files they serve, usage.

use std::io::Read;

use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;

use crate::helpers::{
    assert_problem, expect_json, header, isbn_for, link,
    orders::{ZOE, cart},
    sales::sold,
    self_href, send,
};

/// A file of the zip archive `bytes`, as text.
fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    archive.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}

#[tokio::test]
async fn a_download_link_points_to_the_file_with_its_media_type() {
    let sold = sold().await;
    let epub = sold.delivery("epub").await;
    let response = sold.download_link(&epub).await;
    let link = expect_json(response, StatusCode::CREATED).await;
    assert!(
        link["href"]
            .as_str()
            .unwrap()
            .starts_with(&sold.app().url("/downloads/"))
    );
    assert_eq!(link["_links"]["download"]["type"], "application/epub+zip");
}

#[tokio::test]
async fn a_downloaded_epub_is_watermarked_with_the_buyers_name() {
    let sold = sold().await;
    let href = sold.download_href(&sold.delivery("epub").await).await;
    let head = send(sold.app().client.head(&href)).await;
    assert_eq!(
        head.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "a HEAD does not use up the link"
    );
    let file = sold.app().get(&href).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "application/epub+zip");
    let disposition = header(&file, "content-disposition");
    assert!(
        disposition.contains(&format!("{}.epub", isbn_for(1))),
        "{disposition}"
    );
    let bytes = file.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(archive.by_index(0).unwrap().name().unwrap(), "mimetype");
    let opf = zip_entry(&bytes, "OEBPS/content.opf");
    assert!(
        opf.contains("<dc:rights>Licensed to Zoë Lambert - order"),
        "{opf}"
    );
    assert!(zip_entry(&bytes, "OEBPS/halshop-licence.xhtml").contains("Zoë Lambert"));
}

#[tokio::test]
async fn a_download_link_works_once_and_records_the_download() {
    let sold = sold().await;
    let epub = sold.delivery("epub").await;
    let href = sold.download_href(&epub).await;
    assert_eq!(sold.app().get(&href).await.status(), StatusCode::OK);
    assert_problem(sold.app().get(&href).await, StatusCode::GONE, "link_used").await;
    let after = sold.app().get_json(sold.who(), &self_href(&epub)).await;
    assert!(after["downloaded_at"].is_string());
}

#[tokio::test]
async fn a_forged_download_link_is_a_404() {
    let sold = sold().await;
    let response = sold.app().get("/downloads/dl_forged").await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_downloaded_pdf_shows_the_buyers_name_on_its_pages() {
    let sold = sold().await;
    let href = sold.download_href(&sold.delivery("pdf").await).await;
    let file = sold.app().get(&href).await;
    assert_eq!(file.headers()["content-type"], "application/pdf");
    let bytes = file.bytes().await.unwrap();
    let pdf = lopdf::Document::load_mem(&bytes).unwrap();
    let text = pdf.extract_text(&[1]).unwrap();
    assert!(
        text.contains("Licensed to Zo") && text.contains("Lambert"),
        "{text}"
    );
    assert!(
        text.contains("Pride and Prejudice"),
        "the original text is kept: {text}"
    );
}

#[tokio::test]
async fn an_expired_download_link_is_gone() {
    let sold = sold().await;
    let href = sold.download_href(&sold.delivery("epub").await).await;
    entity::download_link::Entity::update_many()
        .col_expr(
            entity::download_link::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(&sold.app().db)
        .await
        .unwrap();
    assert_problem(sold.app().get(&href).await, StatusCode::GONE, "link_expired").await;
}

#[tokio::test]
async fn a_voided_delivery_serves_no_file_and_gives_no_new_link() {
    let sold = sold().await;
    let epub = sold.delivery("epub").await;
    let href = sold.download_href(&epub).await;
    entity::delivery::Entity::update_many()
        .col_expr(entity::delivery::Column::Status, Expr::value("voided"))
        .filter(entity::delivery::Column::Uid.eq(epub["uid"].as_str().unwrap()))
        .exec(&sold.app().db)
        .await
        .unwrap();
    assert_problem(sold.app().get(&href).await, StatusCode::GONE, "delivery_voided").await;
    let again = sold.download_link(&epub).await;
    assert_problem(again, StatusCode::CONFLICT, "not_downloadable").await;
}

#[tokio::test]
async fn a_ticket_has_no_download_link() {
    let sold = sold().await;
    let ticket = sold.delivery("ticket").await;
    assert!(ticket["_links"].get("shop:download_links").is_none());
    let url = format!("{}/download_links", self_href(&ticket));
    let response = send(sold.app().request(Method::POST, &url, sold.who())).await;
    assert_problem(response, StatusCode::CONFLICT, "not_downloadable").await;
}

#[tokio::test]
async fn a_missing_file_is_unavailable_and_no_download_is_recorded() {
    let sold = sold().await;
    let pdf = sold.delivery("pdf").await;
    std::fs::remove_file(sold.app().content_dir.join(format!("{}.pdf", isbn_for(2)))).unwrap();
    let href = sold.download_href(&pdf).await;
    let response = sold.app().get(&href).await;
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "content_unavailable").await;
    let after = sold.delivery("pdf").await;
    assert!(
        after.get("downloaded_at").is_none(),
        "nothing recorded when nothing was served"
    );
}

#[tokio::test]
async fn deliveries_belong_to_their_order_only() {
    let sold = sold().await;
    let epub = sold.delivery("epub").await;
    let product = epub["product"].as_str().unwrap();
    let other = sold.shop.place(&cart(ZOE).line(product, 1)).await;
    let url = link(&epub, "shop:download_links");
    let response = send(sold.app().request(Method::POST, &url, other.who())).await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = sold.app().get_as(other.who(), &self_href(&epub)).await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn usage_only_goes_up_between_0_and_100() {
    let sold = sold().await;
    let url = link(&sold.delivery("epub").await, "shop:usage");
    let put = |percent: i64| {
        let (sold, url) = (&sold, &url);
        async move {
            sold.app()
                .put_json(sold.who(), url, &json!({"percent": percent}))
                .await
        }
    };
    let response = put(30).await;
    assert_eq!(expect_json(response, StatusCode::OK).await["usage_percent"], 30);
    assert_eq!(put(30).await.status(), StatusCode::OK);
    assert_problem(put(20).await, StatusCode::CONFLICT, "usage_decrease").await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    assert_problem(put(101).await, invalid, "validation_failed").await;
    assert_problem(put(-1).await, invalid, "validation_failed").await;
    assert_eq!(put(100).await.status(), StatusCode::OK);
}
