//! Tickets: a barcode and a QR payload signed with EdDSA, verified here with an Ed25519
//! implementation halshop does not sign with; check-in once, however many scans race;
//! voided tickets refused and listed for offline scanners; key rotation.

use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    MerchantCredentials, TestApp, Who, assert_problem, assert_problem_mentions,
    events::event_with_ticket,
    expect_json, link,
    orders::{MARIE, Placed, cart, place_paid_order},
    refunds::paid,
    send, spawn_app,
};

/// A paid order of `quantity` tickets of a fresh event: the event, the order and its
/// tickets as the holder reads them.
async fn tickets_sold(
    app: &TestApp,
    merchant: &MerchantCredentials,
    quantity: u32,
) -> (String, Placed, Vec<Value>) {
    let (event, ticket) = event_with_ticket(app, merchant, 50).await;
    let placed = place_paid_order(app, &cart(MARIE).line(&ticket, quantity)).await;
    let tickets = tickets_of(app, &placed).await;
    (event, placed, tickets)
}

/// The tickets of a paid order, each read through its delivery's `shop:ticket` link.
async fn tickets_of(app: &TestApp, placed: &Placed) -> Vec<Value> {
    let order = placed.read(app).await;
    let mut tickets = Vec::new();
    for delivery in order["_embedded"]["shop:deliveries"].as_array().unwrap() {
        let url = link(delivery, "shop:ticket");
        tickets.push(expect_json(app.get_as(placed.who(), &url).await, StatusCode::OK).await);
    }
    tickets
}

/// Verifies a compact JWS with the published keys; answers its claims.
async fn verify_qr(app: &TestApp, qr: &str) -> Value {
    let keys = expect_json(app.get("/.well-known/ticket-keys").await, StatusCode::OK).await;
    let parts: Vec<&str> = qr.split('.').collect();
    assert_eq!(parts.len(), 3, "{qr}");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "EdDSA");
    let key = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("no key {} in {keys}", header["kid"]));
    assert_eq!((&key["kty"], &key["crv"]), (&json!("OKP"), &json!("Ed25519")));
    let public = URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap();
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let signed = format!("{}.{}", parts[0], parts[1]);
    UnparsedPublicKey::new(&ED25519, &public)
        .verify(signed.as_bytes(), &signature)
        .expect("the QR signature verifies");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

async fn check_in(app: &TestApp, merchant: &MerchantCredentials, ticket: &Value) -> reqwest::Response {
    let url = format!("{}/check_ins", link(ticket, "self"));
    send(app.request(Method::POST, &url, Who::Merchant(merchant))).await
}

#[tokio::test]
async fn a_paid_ticket_order_delivers_one_ticket_per_place_with_a_unique_barcode() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, _, tickets) = tickets_sold(&app, &merchant, 3).await;
    assert_eq!(tickets.len(), 3);
    let mut barcodes: Vec<&str> = tickets.iter().map(|t| t["barcode"].as_str().unwrap()).collect();
    barcodes.sort();
    barcodes.dedup();
    assert_eq!(barcodes.len(), 3);
    assert!(barcodes.iter().all(|code| code.len() == 16));
    assert_eq!(tickets[0]["status"], "valid");
    assert_eq!(tickets[0]["holder_name"], "Marie Tremblay");
    assert_eq!(tickets[0]["event"], json!(event));
}

#[tokio::test]
async fn the_qr_payload_verifies_with_an_independent_ed25519_implementation_against_the_published_keys() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, _, tickets) = tickets_sold(&app, &merchant, 1).await;
    let claims = verify_qr(&app, tickets[0]["qr"].as_str().unwrap()).await;
    assert_eq!(claims["ticket"], tickets[0]["uid"]);
    assert_eq!(claims["barcode"], tickets[0]["barcode"]);
    assert_eq!(claims["holder"], "Marie Tremblay");
    assert_eq!(
        json!(format!(
            "{}",
            app.url(&format!("/events/{}", claims["event"].as_str().unwrap()))
        )),
        json!(event)
    );
    assert!(claims["nbf"].as_i64().unwrap() < claims["exp"].as_i64().unwrap());
}

#[tokio::test]
async fn tickets_signed_before_a_key_rotation_still_verify_and_new_ones_use_the_new_key() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (_, ticket) = event_with_ticket(&app, &merchant, 50).await;
    let first = place_paid_order(&app, &cart(MARIE).line(&ticket, 1)).await;
    let before = tickets_of(&app, &first).await;
    let rotated = halshop::domain::tickets::keys::rotate(&app.db).await.unwrap();
    let second = place_paid_order(&app, &cart(MARIE).line(&ticket, 1)).await;
    let after = tickets_of(&app, &second).await;
    let kid = |ticket: &Value| {
        let header = ticket["qr"]
            .as_str()
            .unwrap()
            .split('.')
            .next()
            .unwrap()
            .to_owned();
        serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()["kid"].clone()
    };
    assert_eq!(kid(&after[0]), json!(rotated.kid));
    assert_ne!(kid(&before[0]), kid(&after[0]));
    verify_qr(&app, before[0]["qr"].as_str().unwrap()).await;
    verify_qr(&app, after[0]["qr"].as_str().unwrap()).await;
}

#[tokio::test]
async fn eight_scans_of_one_ticket_at_once_check_it_in_once_and_are_answered_one_201_and_seven_409() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (_, _, tickets) = tickets_sold(&app, &merchant, 1).await;
    let scans = (0..8).map(|_| check_in(&app, &merchant, &tickets[0]));
    let mut statuses: Vec<u16> = join_all(scans)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
}

#[tokio::test]
async fn a_ticket_checked_in_is_refused_at_a_second_scan_with_when_it_was_checked_in() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (_, _, tickets) = tickets_sold(&app, &merchant, 1).await;
    let first = expect_json(check_in(&app, &merchant, &tickets[0]).await, StatusCode::CREATED).await;
    assert_eq!(first["status"], "checked_in");
    let when = first["checked_in_at"].as_str().unwrap();
    let again = check_in(&app, &merchant, &tickets[0]).await;
    assert_problem_mentions(again, StatusCode::CONFLICT, "already_checked_in", when).await;
}

#[tokio::test]
async fn a_refunded_ticket_is_answered_410_and_listed_among_the_revoked_tickets() {
    let paid = paid().await;
    let app = &paid.app;
    let tickets = tickets_of(app, &paid.placed).await;
    let request = paid.approved_url().await;
    paid.set_status(&request, "processed").await;
    let scan = check_in(app, &paid.merchant, &tickets[0]).await;
    assert_problem(scan, StatusCode::GONE, "ticket_voided").await;
    let read = app.get_json(paid.holder(), &link(&tickets[0], "self")).await;
    assert_eq!(read["status"], "voided");
}

#[tokio::test]
async fn an_offline_scanner_learns_the_revoked_tickets_of_an_event_since_its_cursor() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, placed, tickets) = tickets_sold(&app, &merchant, 2).await;
    let seller = Who::Merchant(&merchant);
    let revoked_url = link(&app.get_json(seller, &event).await, "shop:revoked_tickets");
    let empty = expect_json(app.get_as(seller, &revoked_url).await, StatusCode::OK).await;
    assert_eq!(empty["item_count"], 0);
    let refund = json!({"order": placed.url()});
    let opened = expect_json(
        app.post_json(placed.who(), "/refund_requests", &refund).await,
        StatusCode::CREATED,
    )
    .await;
    let url = link(&opened, "self");
    for status in ["approved", "processed"] {
        let response = app
            .put_current(placed.who(), seller, &url, &json!({"status": status}))
            .await;
        expect_json(response, StatusCode::OK).await;
    }
    let page = expect_json(app.get_as(seller, &revoked_url).await, StatusCode::OK).await;
    assert_eq!(page["item_count"], 2);
    let listed: Vec<&Value> = page["_embedded"]["shop:revoked_tickets"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert!(listed.iter().any(|r| r["barcode"] == tickets[0]["barcode"]));
    let revoked = expect_json(app.get_as(seller, &link(listed[0], "self")).await, StatusCode::OK).await;
    assert_eq!(revoked["status"], "voided");
    let next = expect_json(app.get_as(seller, &link(&page, "next")).await, StatusCode::OK).await;
    assert_eq!(next["item_count"], 0);
    assert_eq!(next["cursor"], page["cursor"]);
}

#[tokio::test]
async fn the_merchant_looks_a_ticket_up_by_event_and_barcode() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, _, tickets) = tickets_sold(&app, &merchant, 2).await;
    let seller = Who::Merchant(&merchant);
    let lookup = link(&app.get_json(seller, &event).await, "shop:tickets");
    let code = tickets[1]["barcode"].as_str().unwrap();
    let found = expect_json(
        app.get_as(seller, &format!("{lookup}&code={code}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["item_count"], 1);
    let ticket = &found["_embedded"]["shop:tickets"][0];
    assert_eq!(ticket["uid"], tickets[1]["uid"]);
    assert!(ticket["_templates"]["check_in"].is_object(), "{ticket}");
    let read = expect_json(app.get_as(seller, &link(ticket, "self")).await, StatusCode::OK).await;
    assert_eq!(read["barcode"], tickets[1]["barcode"]);
}

#[tokio::test]
async fn a_ticket_is_not_found_for_anyone_but_its_holder_and_its_merchant() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (_, _, tickets) = tickets_sold(&app, &merchant, 1).await;
    let other = app.merchant_named("Other shop").await;
    let anonymous = app.get(&link(&tickets[0], "self")).await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    for who in [Who::Merchant(&other), Who::OrderToken("ot_not_the_token")] {
        let response = app.get_as(who, &link(&tickets[0], "self")).await;
        assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let scan = check_in(&app, &other, &tickets[0]).await;
    assert_problem(scan, StatusCode::NOT_FOUND, "not_found").await;
}

/// Refunds the whole of a paid order, as its holder and the merchant.
async fn refund(app: &TestApp, merchant: &MerchantCredentials, placed: &Placed) {
    let refund = json!({"order": placed.url()});
    let response = app.post_json(placed.who(), "/refund_requests", &refund).await;
    let url = link(&expect_json(response, StatusCode::CREATED).await, "self");
    for status in ["approved", "processed"] {
        let body = json!({"status": status});
        let response = app
            .put_current(placed.who(), Who::Merchant(merchant), &url, &body)
            .await;
        expect_json(response, StatusCode::OK).await;
    }
}

#[tokio::test]
async fn a_refunded_tickets_place_stays_taken_unless_the_merchant_resells_refunded_places() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, placed, _) = tickets_sold(&app, &merchant, 2).await;
    refund(&app, &merchant, &placed).await;
    assert_eq!(crate::helpers::events::available(&app, &event).await, 48);
}

#[tokio::test]
async fn a_refunded_tickets_place_goes_back_on_sale_when_the_merchant_resells_refunded_places() {
    use sea_orm::{EntityTrait, sea_query::Expr};
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    entity::merchant::Entity::update_many()
        .col_expr(entity::merchant::Column::ResellRefunded, Expr::value(true))
        .exec(&app.db)
        .await
        .unwrap();
    let (event, placed, _) = tickets_sold(&app, &merchant, 2).await;
    refund(&app, &merchant, &placed).await;
    assert_eq!(crate::helpers::events::available(&app, &event).await, 50);
}

#[tokio::test]
async fn ticket_keys_rotate_publishes_a_new_key_beside_the_old_one() {
    let app = spawn_app().await;
    let before = expect_json(app.get("/.well-known/ticket-keys").await, StatusCode::OK).await;
    let output = crate::helpers::cli::run_on(&app.database_url, &["ticket-keys", "rotate", "--json"]);
    let rotated = crate::helpers::cli::json_stdout(&output);
    let after = expect_json(app.get("/.well-known/ticket-keys").await, StatusCode::OK).await;
    assert_eq!(after["keys"][0]["kid"], rotated["kid"]);
    assert_eq!(after["keys"][0]["x"], rotated["x"]);
    assert_eq!(after["keys"][1]["kid"], before["keys"][0]["kid"]);
}

/// Registers a door scanner of `event` (its URL); answers its token.
async fn scanner_token(app: &TestApp, merchant: &MerchantCredentials, event: &str) -> String {
    let url = format!("{event}/scanners");
    let response = app
        .post_json(Who::Merchant(merchant), &url, &json!({"name": "Gate A"}))
        .await;
    let created = expect_json(response, StatusCode::CREATED).await;
    let read = app
        .get_json(Who::Merchant(merchant), &link(&created, "self"))
        .await;
    assert_eq!((&read["name"], &read["event"]), (&json!("Gate A"), &json!(event)));
    assert!(read["token"].is_null(), "{read}");
    created["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_scanner_checks_in_the_tickets_of_its_own_event_only() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, _, tickets) = tickets_sold(&app, &merchant, 1).await;
    let (other_event, _, others) = tickets_sold_again(&app, &merchant).await;
    let token = scanner_token(&app, &merchant, &event).await;
    let scan = |ticket: &Value| {
        let url = format!("{}/check_ins", link(ticket, "self"));
        send(
            app.request(Method::POST, &url, Who::Anonymous)
                .header("scanner-token", token.clone()),
        )
    };
    let checked = expect_json(scan(&tickets[0]).await, StatusCode::CREATED).await;
    assert_eq!(checked["status"], "checked_in");
    assert_problem(scan(&others[0]).await, StatusCode::NOT_FOUND, "not_found").await;
    let revoked = send(
        app.request(
            Method::GET,
            &format!("{other_event}/revoked_tickets"),
            Who::Anonymous,
        )
        .header("scanner-token", token.clone()),
    )
    .await;
    assert_problem(revoked, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_wrong_scanner_token_is_refused_401() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (_, _, tickets) = tickets_sold(&app, &merchant, 1).await;
    let url = format!("{}/check_ins", link(&tickets[0], "self"));
    let response = send(
        app.request(Method::POST, &url, Who::Anonymous)
            .header("scanner-token", "sc_forged"),
    )
    .await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let ticket = app
        .get_json(Who::Merchant(&merchant), &link(&tickets[0], "self"))
        .await;
    assert_eq!(ticket["status"], "valid");
}

/// A paid order of one ticket of a second event of the same merchant.
async fn tickets_sold_again(app: &TestApp, merchant: &MerchantCredentials) -> (String, Placed, Vec<Value>) {
    let event = crate::helpers::self_href(&crate::helpers::events::create_event(app, merchant, 10).await);
    let ticket = crate::helpers::events::event_ticket(app, merchant, &event, 2, None).await;
    let placed = place_paid_order(app, &cart(MARIE).line(&ticket, 1)).await;
    let tickets = tickets_of(app, &placed).await;
    (event, placed, tickets)
}

#[tokio::test]
async fn a_check_in_retried_with_its_idempotency_key_is_answered_as_the_first_time() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (_, _, tickets) = tickets_sold(&app, &merchant, 1).await;
    let url = format!("{}/check_ins", link(&tickets[0], "self"));
    let scan = || {
        send(
            app.request(Method::POST, &url, Who::Merchant(&merchant))
                .header("idempotency-key", "scan-42"),
        )
    };
    let first = expect_json(scan().await, StatusCode::CREATED).await;
    let retried = expect_json(scan().await, StatusCode::CREATED).await;
    assert_eq!(retried["checked_in_at"], first["checked_in_at"]);
}

#[tokio::test]
async fn a_ticket_checked_in_at_the_door_can_no_longer_be_refunded_to_its_holder() {
    let paid = paid().await;
    let app = &paid.app;
    let tickets = tickets_of(app, &paid.placed).await;
    expect_json(
        check_in(app, &paid.merchant, &tickets[0]).await,
        StatusCode::CREATED,
    )
    .await;
    let order = paid.placed.read(app).await;
    assert_eq!(order["refund_eligibility"]["eligible"], false, "{order}");
    let checks = order["refund_eligibility"]["checks"].as_array().unwrap();
    let used = checks.iter().find(|c| c["code"] == "not_fulfilled").unwrap();
    let detail = used["detail"].as_str().unwrap();
    assert!(detail.starts_with("Checked in at the door on "), "{detail}");
    let refused = paid.open(json!({})).await;
    assert_problem(refused, StatusCode::FORBIDDEN, "refund_unauthorized").await;
}

#[tokio::test]
async fn the_revoked_tickets_a_scanner_read_are_never_shown_to_a_caller_without_credentials() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, _, _) = tickets_sold(&app, &merchant, 1).await;
    let token = scanner_token(&app, &merchant, &event).await;
    let url = format!("{event}/revoked_tickets");
    let scanner = send(
        app.request(Method::GET, &url, Who::Anonymous)
            .header("scanner-token", token),
    )
    .await;
    expect_json(scanner, StatusCode::OK).await;
    let anonymous = app.get(&url).await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
