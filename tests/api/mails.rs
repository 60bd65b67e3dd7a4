//! Mails to buyers: sent from the outbox to a real SMTP server (or written as `.eml` files
//! without one), parsed back as MIME.

use std::time::Duration;

use halshop::domain::mails;
use mail_parser::MessageParser;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::helpers::{
    TestApp, Who,
    cli::create_store,
    ebook, expect_json, money,
    orders::{MARIE, cart, place_paid_order},
    refunds::Paid,
    smtp::smtp_sink,
    spawn_app, spawn_app_with,
};

/// A shop selling one CAD ebook; returns its URL.
async fn cad_ebook(app: &TestApp) -> String {
    let merchant = app.merchant().await;
    let mut body = ebook(1);
    body["price"] = money("19.99", "CAD");
    app.create_product_href(&merchant, &body).await
}

/// Every `http(s)://` URL written in `text`.
fn urls(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\''))
        .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
        .map(str::to_owned)
        .collect()
}

struct Parsed {
    subject: String,
    to: String,
    reply_to: String,
    text: String,
    html: String,
}

fn parse(data: &[u8]) -> Parsed {
    let message = MessageParser::default()
        .parse(data)
        .expect("the mail parses as MIME");
    let first = |address: Option<&mail_parser::Address>| {
        address
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned()
    };
    Parsed {
        subject: message.subject().unwrap_or_default().to_owned(),
        to: first(message.to()),
        reply_to: first(message.reply_to()),
        text: message.body_text(0).expect("a plain-text part").into_owned(),
        html: message.body_html(0).expect("an HTML part").into_owned(),
    }
}

/// Waits (up to 15 s) for `count` `.eml` files in the app's mail directory.
async fn eml_files(app: &TestApp, count: usize) -> Vec<Vec<u8>> {
    for _ in 0..300 {
        let files: Vec<Vec<u8>> = std::fs::read_dir(&app.mail_dir)
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .filter(|entry| entry.file_name().to_string_lossy().ends_with(".eml"))
                    .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
                    .map(|entry| std::fs::read(entry.path()).unwrap())
                    .collect()
            })
            .unwrap_or_default();
        if files.len() >= count {
            return files;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{count} mail files expected in {}", app.mail_dir.display());
}

#[tokio::test]
async fn the_order_confirmation_reaches_the_smtp_server_with_the_order_link_and_no_token_in_a_url() {
    let sink = smtp_sink().await;
    let url = sink.url();
    let app = spawn_app_with(|s| s.workers.smtp_url = Some(url)).await;
    let product = cad_ebook(&app).await;
    let placed = place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    let received = sink.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec![format!("<{}>", MARIE.email)]);
    let mail = parse(&received[0].data);
    let reference = placed.order["reference"].as_str().unwrap();
    assert!(mail.subject.contains(reference), "{}", mail.subject);
    assert_eq!(mail.to, MARIE.email);
    assert_eq!(mail.reply_to, "help@bookstore.example");
    let order_url = placed.url();
    for body in [&mail.text, &mail.html] {
        assert!(urls(body).contains(&order_url), "{body}");
        assert!(
            body.contains("Order-Token"),
            "a guest is told how to send the token: {body}"
        );
        assert!(body.contains("help@bookstore.example") && body.contains("+33 1 23 45 67 89"));
        for url in urls(body) {
            assert!(!url.contains(&placed.token) && !url.contains("token"), "{url}");
        }
    }
    assert!(!String::from_utf8_lossy(&received[0].data).contains(&placed.token));
}

#[tokio::test]
async fn without_an_smtp_server_the_confirmation_is_written_as_an_eml_file() {
    let app = spawn_app().await;
    let product = cad_ebook(&app).await;
    let placed = place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    let files = eml_files(&app, 1).await;
    let mail = parse(&files[0]);
    assert_eq!(mail.to, MARIE.email);
    assert!(urls(&mail.text).contains(&placed.url()), "{}", mail.text);
    assert!(
        mail.html.contains(&format!("<a href=\"{}\">", placed.url())),
        "{}",
        mail.html
    );
}

#[tokio::test]
async fn a_refusing_smtp_server_neither_fails_the_payment_nor_loses_the_mail() {
    // A server that refuses every session with 554.
    let refusing = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = refusing.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = refusing.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = stream.write_all(b"554 5.3.2 not accepting mail\r\n").await;
        }
    });
    let app = spawn_app_with(|s| s.workers.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    let product = cad_ebook(&app).await;
    let placed = place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    let order = placed.read(&app).await;
    assert_eq!(order["status"], "completed", "{order}");
    let mut attempted = None;
    for _ in 0..300 {
        let rows = entity::mail::Entity::find().all(&app.db).await.unwrap();
        // A failed attempt is recorded once the sender has its answer.
        if let Some(row) = rows.into_iter().find(|m| m.last_error.is_some()) {
            attempted = Some(row);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mail = attempted.expect("an attempt was recorded");
    assert_eq!(mail.status, "pending", "retried later");
    assert_eq!(mail.attempts, 1);
    let error = mail.last_error.unwrap_or_default();
    assert!(error.contains("SMTP") && error.contains("554"), "{error}");
    assert!(mail.next_attempt_at > chrono::Utc::now());
}

#[tokio::test]
async fn a_processed_refund_is_mailed_to_the_buyer_with_its_voucher_code() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut body = ebook(1);
    body["price"] = money("19.99", "CAD");
    let product = app.create_product_href(&merchant, &body).await;
    let placed = place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    eml_files(&app, 1).await;
    let paid = Paid {
        app,
        merchant,
        product,
        placed,
    };
    let split = json!({"refund_percentage": "0.50", "voucher_percentage": "0.50"});
    let url = paid.open_url(split).await;
    paid.set_status(&url, "approved").await;
    let processed = paid.set_status(&url, "processed").await;
    let refunds = paid.refunds_of(&processed).await;
    let voucher = refunds["_embedded"]["shop:refunds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "voucher")
        .unwrap()["voucher_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let files = eml_files(&paid.app, 3).await;
    let refunds: Vec<Parsed> = files
        .iter()
        .map(|data| parse(data))
        .filter(|mail| mail.subject.starts_with("Your refund"))
        .collect();
    assert_eq!(refunds.len(), 2, "one mail per refund (provider and voucher)");
    assert!(refunds.iter().any(|mail| mail.text.contains(&voucher)));
    assert!(
        refunds
            .iter()
            .all(|mail| urls(&mail.text).contains(&paid.placed.url()))
    );
}

#[tokio::test]
async fn a_till_purchase_with_send_email_mails_the_access_code_and_the_redemption_link() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    app.create_product(&merchant, &ebook(1)).await;
    let token = create_store(&app, &merchant, "Librairie du Plateau", "123-4560");
    let mut fields = vec![
        ("token", token.as_str()),
        ("partner_transact_id", "m1"),
        ("book_id", "BOOK-1"),
        ("email", "lea@example.com"),
        ("first_name", "Léa"),
        ("send_email", "true"),
    ];
    let response = app
        .post_form(Who::Anonymous, "/stores/1234560/purchases", &fields)
        .await;
    expect_json(response, StatusCode::CREATED).await;
    fields[1] = ("partner_transact_id", "m2");
    fields[5] = ("send_email", "false");
    let response = app
        .post_form(Who::Anonymous, "/stores/1234560/purchases", &fields)
        .await;
    expect_json(response, StatusCode::CREATED).await;
    let files = eml_files(&app, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        eml_files(&app, 1).await.len(),
        1,
        "no mail without send_email, no order confirmation"
    );
    let mail = parse(&files[0]);
    let code = entity::delivery::Entity::find()
        .order_by_asc(entity::delivery::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .access_code;
    assert_eq!(mail.to, "lea@example.com");
    assert!(mail.subject.contains("Book number 1"), "{}", mail.subject);
    assert!(mail.text.contains(&code), "{}", mail.text);
    assert!(
        urls(&mail.text).contains(&app.url("/code_redemptions")),
        "{}",
        mail.text
    );
    assert!(mail.html.contains(&code));
}

#[tokio::test]
async fn two_senders_never_claim_the_same_mail() {
    let app = spawn_app_with(|s| s.workers.mail_poll_ms = 3_600_000).await;
    let product = cad_ebook(&app).await;
    for _ in 0..3 {
        place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    }
    let now = chrono::Utc::now();
    let events = mails::unmailed_events(&app.db, now, chrono::Duration::hours(1), 50)
        .await
        .unwrap();
    assert_eq!(events.len(), 3);
    for event in &events {
        let kind = mails::MailKind::for_event(&event.event_type).unwrap();
        let composed = mails::NewMail {
            recipient: "a@example.com".into(),
            reply_to: String::new(),
            subject: "s".into(),
            text_body: "t".into(),
            html_body: "h".into(),
        };
        assert!(
            mails::record(&app.db, event, kind, Some(composed.clone()), now)
                .await
                .unwrap()
        );
        assert!(
            !mails::record(&app.db, event, kind, Some(composed), now)
                .await
                .unwrap(),
            "once per event"
        );
    }
    let other = Database::connect(&app.database_url).await.unwrap();
    let lease = chrono::Duration::minutes(1);
    let (first, second) = tokio::join!(
        mails::claim_due(&app.db, now, lease, 50),
        mails::claim_due(&other, now, lease, 50)
    );
    let mut ids: Vec<i64> = first
        .unwrap()
        .into_iter()
        .chain(second.unwrap())
        .map(|m| m.id)
        .collect();
    ids.sort_unstable();
    let claimed = ids.len();
    ids.dedup();
    assert_eq!((claimed, ids.len()), (3, 3), "each mail claimed once");
    let again = mails::claim_due(&app.db, now, lease, 50).await.unwrap();
    assert!(again.is_empty(), "leased");
    let after_lease = mails::claim_due(&app.db, now + lease + chrono::Duration::seconds(1), lease, 50)
        .await
        .unwrap();
    assert_eq!(
        after_lease.len(),
        3,
        "a crashed sender's mails are sent again after the lease"
    );
    let rows = entity::mail::Entity::find()
        .filter(entity::mail::Column::Attempts.eq(2))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
}
