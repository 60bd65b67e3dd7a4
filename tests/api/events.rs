//! Events with places: reading and changing them, holding places with orders, sold-out
//! answers, expiry of unpaid orders, and event cancellation.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem, assert_problem_at, assert_problem_mentions, error_paths,
    events::{available, create_event, event_body, event_ticket, event_with_ticket, run_out_hold},
    expect_json, link,
    orders::{MARIE, cancel_order, capture, cart, notify, pay, place_order},
    self_href, spawn_app, spawn_app_with,
};

#[tokio::test]
async fn the_root_links_to_the_events_and_the_ticket_keys() {
    let app = spawn_app().await;
    let root = app.get_json(Who::Anonymous, "/").await;
    assert_eq!(
        root["_links"]["shop:events"]["href"],
        app.url("/events{?q,starts_gte,page,page_size}")
    );
    assert_eq!(root["_links"]["shop:event"]["href"], app.url("/events/{uid}"));
    assert_eq!(
        root["_links"]["shop:ticket_keys"]["href"],
        app.url("/.well-known/ticket-keys")
    );
}

#[tokio::test]
async fn an_event_added_by_a_merchant_is_read_with_its_places_and_its_ticket_products() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 20).await;
    let read = expect_json(app.get(&event).await, StatusCode::OK).await;
    assert_eq!(read["capacity"], 20);
    assert_eq!(read["available"], 20);
    assert_eq!(read["status"], "on_sale");
    assert_eq!(read["time_zone"], "America/Toronto");
    let products = read["_embedded"]["shop:products"].as_array().unwrap();
    assert_eq!(products.len(), 1);
    assert_eq!(self_href(&products[0]), ticket);
    assert_eq!(products[0]["available_places"], 20);
    assert_eq!(link(&products[0], "shop:event"), event);
    assert_eq!(
        expect_json(app.get(&ticket).await, StatusCode::OK).await["event"],
        json!(event)
    );
}

#[tokio::test]
async fn the_events_listing_embeds_each_event_with_a_self_that_answers() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    create_event(&app, &merchant, 5).await;
    let page = expect_json(app.get("/events?q=poetry").await, StatusCode::OK).await;
    assert_eq!(page["item_count"], 1);
    let item = &page["_embedded"]["shop:events"][0];
    let read = expect_json(app.get(&self_href(item)).await, StatusCode::OK).await;
    assert_eq!(read["uid"], item["uid"]);
}

#[tokio::test]
async fn an_event_ending_before_it_starts_with_a_bad_time_zone_is_refused_naming_both() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut body = event_body(10);
    body["ends_at"] = json!("2020-01-01T00:00:00Z");
    body["time_zone"] = json!("Mars time");
    let response = app.post_json(Who::Merchant(&merchant), "/events", &body).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_paths(&problem), ["/ends_at", "/time_zone"]);
    assert_eq!(app.count(Who::Anonymous, "/events").await, 0);
}

#[tokio::test]
async fn placing_an_order_for_tickets_holds_its_places_at_once_until_its_expiry() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 20).await;
    let placed = place_order(&app, &cart(MARIE).line(&ticket, 3)).await;
    assert_eq!(placed.order["status"], "awaiting_payment");
    assert!(placed.order["expires_at"].is_string(), "{}", placed.order);
    assert_eq!(available(&app, &event).await, 17);
    let product = app.get_json(Who::Anonymous, &ticket).await;
    assert_eq!(product["available_places"], 17);
}

#[tokio::test]
async fn an_order_for_more_places_than_are_left_is_refused_sold_out_naming_the_event_and_what_is_left() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 4).await;
    place_order(&app, &cart(MARIE).line(&ticket, 3)).await;
    let response = app
        .post_json(Who::Anonymous, "/orders", cart(MARIE).line(&ticket, 2).body())
        .await;
    let problem = assert_problem_at(response, StatusCode::CONFLICT, "sold_out", "/products/0/quantity").await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("only 1 place is left") && detail.contains("Poetry night"),
        "{detail}"
    );
    assert_eq!(available(&app, &event).await, 1);
    assert_eq!(app.count(Who::Merchant(&merchant), "/orders").await, 1);
}

#[tokio::test]
async fn the_bill_shows_the_places_left_per_line_and_refuses_more_with_sold_out() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (_, ticket) = event_with_ticket(&app, &merchant, 3).await;
    let bill = expect_json(
        app.post_json(Who::Anonymous, "/bill", cart(MARIE).line(&ticket, 2).body())
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(bill["lines"][0]["available"], 3);
    let response = app
        .post_json(Who::Anonymous, "/bill", cart(MARIE).line(&ticket, 4).body())
        .await;
    assert_problem_mentions(
        response,
        StatusCode::CONFLICT,
        "sold_out",
        "only 3 places are left",
    )
    .await;
}

#[tokio::test]
async fn a_products_own_capacity_binds_when_it_is_lower_than_its_events() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let event = self_href(&create_event(&app, &merchant, 2000).await);
    let vip = event_ticket(&app, &merchant, &event, 2, Some(2)).await;
    place_order(&app, &cart(MARIE).line(&vip, 2)).await;
    let response = app
        .post_json(Who::Anonymous, "/orders", cart(MARIE).line(&vip, 1).body())
        .await;
    let problem = assert_problem(response, StatusCode::CONFLICT, "sold_out").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("product"),
        "{problem}"
    );
    assert_eq!(available(&app, &event).await, 1998);
}

#[tokio::test]
async fn cancelling_an_unpaid_order_gives_its_places_back() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    let placed = place_order(&app, &cart(MARIE).line(&ticket, 4)).await;
    let response = cancel_order(&app, &placed.token, &placed.url(), "changed my mind").await;
    expect_json(response, StatusCode::OK).await;
    assert_eq!(available(&app, &event).await, 10);
}

#[tokio::test]
async fn an_expired_order_is_shown_expired_with_its_payment_and_cancellation_links_gone() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    let placed = place_order(&app, &cart(MARIE).line(&ticket, 4)).await;
    assert!(placed.order["_links"]["payment"].is_object());
    run_out_hold(&app, &placed.order).await;
    let order = placed.read(&app).await;
    assert_eq!(order["status"], "expired");
    for gone in ["payment", "shop:ordercancellation"] {
        assert!(order["_links"][gone].is_null(), "{gone}: {order}");
    }
    assert!(order["_templates"]["cancel"].is_null(), "{order}");
    assert_eq!(available(&app, &event).await, 10);
}

#[tokio::test]
async fn a_payment_for_an_expired_order_is_refused_order_expired_and_the_provider_must_refund_it() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    let placed = place_order(&app, &cart(MARIE).line(&ticket, 2)).await;
    run_out_hold(&app, &placed.order).await;
    let late = capture(&placed.order, "psp_late");
    let response = notify(&app, &late).await;
    assert_problem_mentions(response, StatusCode::CONFLICT, "order_expired", "must refund").await;
    assert_eq!(placed.read(&app).await["status"], "expired");
    assert_eq!(available(&app, &event).await, 10);
    let replay = notify(&app, &late).await;
    assert_problem(replay, StatusCode::CONFLICT, "order_expired").await;
}

#[tokio::test]
async fn cancelling_an_expired_order_is_refused_as_its_places_were_already_released() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    let placed = place_order(&app, &cart(MARIE).line(&ticket, 2)).await;
    run_out_hold(&app, &placed.order).await;
    let response = cancel_order(&app, &placed.token, &placed.url(), "too late").await;
    assert_problem_mentions(
        response,
        StatusCode::CONFLICT,
        "order_expired",
        "already released",
    )
    .await;
    assert_eq!(available(&app, &event).await, 10);
}

#[tokio::test]
async fn unpaid_orders_past_a_short_hold_expire_without_being_read() {
    let app = spawn_app_with(|settings| settings.hold_minutes = 0.01).await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    place_order(&app, &cart(MARIE).line(&ticket, 4)).await;
    let mut left = 0;
    for _ in 0..100 {
        left = available(&app, &event).await;
        if left == 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, 10);
    assert_eq!(
        app.count(Who::Merchant(&merchant), "/orders?status=expired")
            .await,
        1
    );
}

#[tokio::test]
async fn a_paid_order_keeps_its_places_past_its_hold() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    let placed = place_order(&app, &cart(MARIE).line(&ticket, 2)).await;
    pay(&app, &placed.order).await;
    run_out_hold(&app, &placed.order).await;
    assert_eq!(placed.read(&app).await["status"], "completed");
    assert_eq!(available(&app, &event).await, 8);
}

#[tokio::test]
async fn a_capacity_below_the_places_held_is_refused_and_the_event_is_unchanged() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    place_order(&app, &cart(MARIE).line(&ticket, 4)).await;
    let mut body = app.get_json(Who::Anonymous, &event).await;
    body["capacity"] = json!(3);
    let seller = Who::Merchant(&merchant);
    let response = app.put_current(seller, seller, &event, &body).await;
    assert_problem_at(response, StatusCode::CONFLICT, "capacity_below_held", "/capacity").await;
    assert_eq!(app.get_json(Who::Anonymous, &event).await["capacity"], 10);
}

#[tokio::test]
async fn an_event_read_edited_and_put_back_whole_is_replaced() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    let seller = Who::Merchant(&merchant);
    let mut body = app.get_json(seller, &event).await;
    place_order(&app, &cart(MARIE).line(&ticket, 1)).await;
    body["capacity"] = json!(12);
    body["available"] = json!(10);
    let etag = crate::helpers::etag_of(&app.get_as(seller, &event).await);
    let response = app
        .request(reqwest::Method::PUT, &event, seller)
        .header("if-match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_paths(&problem), ["/available"]);
    body["available"] = json!(9);
    let replaced = expect_json(
        app.put_current(seller, seller, &event, &body).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(replaced["capacity"], 12);
    assert_eq!(replaced["available"], 11);
}

#[tokio::test]
async fn a_cancelled_event_opens_event_refunds_on_paid_orders_and_sells_no_more() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    let placed = place_order(&app, &cart(MARIE).line(&ticket, 2)).await;
    pay(&app, &placed.order).await;
    let response = app
        .post_json(
            Who::Merchant(&merchant),
            &format!("{event}/cancellation"),
            &json!({"reason": "The poet is ill."}),
        )
        .await;
    let cancelled = expect_json(response, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    let requests_url = link(&placed.read(&app).await, "shop:refund_requests");
    let requests = app.get_json(placed.who(), &requests_url).await;
    let request: &Value = &requests["_embedded"]["shop:refund_requests"][0];
    assert_eq!(request["source"], "event_refund", "{requests}");
    let again = app
        .post_json(Who::Anonymous, "/orders", cart(MARIE).line(&ticket, 1).body())
        .await;
    assert_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "cannot_sell").await;
}

#[tokio::test]
async fn a_ticket_of_another_merchants_event_is_refused_naming_the_event() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let other = app.merchant_named("Other shop").await;
    let event = self_href(&create_event(&app, &other, 10).await);
    let mut body = crate::helpers::ticket(5);
    body["event"] = json!(event);
    let response = app.post_product(&merchant, &body).await;
    assert_problem_at(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "/event",
    )
    .await;
}

#[tokio::test]
async fn a_cancelled_event_cancels_the_orders_awaiting_payment_for_its_tickets() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    let placed = place_order(&app, &cart(MARIE).line(&ticket, 3)).await;
    let body = json!({"reason": "The hall is flooded."});
    let response = app
        .post_json(Who::Merchant(&merchant), &format!("{event}/cancellation"), &body)
        .await;
    assert_eq!(expect_json(response, StatusCode::OK).await["available"], 10);
    assert_eq!(placed.read(&app).await["status"], "cancelled");
    let late = notify(&app, &capture(&placed.order, "psp_after_cancellation")).await;
    assert_problem(late, StatusCode::CONFLICT, "order_not_payable").await;
}

#[tokio::test]
async fn an_event_cancelled_twice_is_refused_the_second_time() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let event = self_href(&create_event(&app, &merchant, 10).await);
    let url = format!("{event}/cancellation");
    let body = json!({"reason": "Cancelled."});
    let first = app.post_json(Who::Merchant(&merchant), &url, &body).await;
    expect_json(first, StatusCode::OK).await;
    let second = app.post_json(Who::Merchant(&merchant), &url, &body).await;
    assert_problem(second, StatusCode::CONFLICT, "event_cancelled").await;
}
