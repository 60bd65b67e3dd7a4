//! The on-sale race: many buyers at once for few places. The database alone decides who
//! gets a place, so that nothing is ever oversold, with one instance or several.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, Who,
    events::{available, event_with_ticket, run_out_hold, second_instance},
    orders::{MARIE, cart},
};

/// Sends `buyers` orders of one ticket at once, each to the next of `addresses`; answers
/// the placed orders and how many were refused `sold_out`.
async fn race(app: &TestApp, addresses: &[String], ticket: &str, buyers: usize) -> (Vec<Value>, usize) {
    let body = cart(MARIE).line(ticket, 1).body().clone();
    let requests = (0..buyers).map(|n| {
        let url = format!("{}/orders", addresses[n % addresses.len()]);
        let request = app.client.post(url).json(&body);
        async move {
            let response = request.send().await.expect("order sent");
            let status = response.status();
            (status, response.json::<Value>().await.expect("JSON body"))
        }
    });
    let mut placed = Vec::new();
    let mut sold_out = 0;
    for (status, body) in join_all(requests).await {
        match status {
            StatusCode::CREATED => placed.push(body),
            StatusCode::CONFLICT if body["code"] == "sold_out" => sold_out += 1,
            other => panic!("{other}: {body}"),
        }
    }
    (placed, sold_out)
}

#[tokio::test]
async fn two_hundred_buyers_for_twenty_places_get_exactly_twenty_and_expired_places_sell_again() {
    let app = crate::helpers::spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 20).await;
    let addresses = [app.address.clone()];
    let (placed, sold_out) = race(&app, &addresses, &ticket, 200).await;
    assert_eq!((placed.len(), sold_out), (20, 180));
    let read = app.get_json(Who::Anonymous, &event).await;
    assert_eq!(
        (&read["available"], &read["status"]),
        (&json!(0), &json!("sold_out"))
    );
    for order in &placed[..5] {
        run_out_hold(&app, order).await;
        let token = order["token"].as_str().unwrap();
        let read = app
            .get_json(Who::OrderToken(token), &crate::helpers::self_href(order))
            .await;
        assert_eq!(read["status"], "expired");
    }
    assert_eq!(available(&app, &event).await, 5);
    let (again, sold_out) = race(&app, &addresses, &ticket, 20).await;
    assert_eq!((again.len(), sold_out), (5, 15));
    assert_eq!(available(&app, &event).await, 0);
    let held = app
        .count(Who::Merchant(&merchant), "/orders?status=awaiting_payment")
        .await;
    assert_eq!(held, 20);
}

#[tokio::test]
async fn a_hundred_buyers_across_two_instances_on_one_database_get_exactly_ten_places() {
    let app = crate::helpers::spawn_app().await;
    let merchant = app.merchant().await;
    let (event, ticket) = event_with_ticket(&app, &merchant, 10).await;
    let addresses = [app.address.clone(), second_instance(&app).await];
    let (placed, sold_out) = race(&app, &addresses, &ticket, 100).await;
    assert_eq!((placed.len(), sold_out), (10, 90));
    assert_eq!(available(&app, &event).await, 0);
}
