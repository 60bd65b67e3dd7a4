//! The event feed: a merchant's events in commit order, paged by `seq` without ever
//! skipping one committed late; and several instances sharing the delivery work.

use std::{collections::HashSet, time::Duration};

use entity::merchant;
use halshop::domain::outbox::{self, NewEvent};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    helpers::{
        MerchantCredentials, TestApp, Who, assert_problem, json_of, receiver::Receiver, spawn_instance_of,
    },
    webhooks::{FAST, create_endpoint, sell, webhook_shop},
};

async fn merchant_id(app: &TestApp, credentials: &MerchantCredentials) -> i64 {
    merchant::Entity::find()
        .filter(merchant::Column::AppKey.eq(credentials.app_key.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Writes `count` events of the merchant from `writers` concurrent transactions, some of
/// which stay open a while after their insert: ids then commit out of order.
async fn write_events(app: &TestApp, merchant_id: i64, count: usize, writers: usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..writers {
        let db = app.db.clone();
        tasks.spawn(async move {
            for n in (writer..count).step_by(writers) {
                let txn = halshop::db::begin_write(&db).await.unwrap();
                let uid = format!("{n:032x}");
                let event = NewEvent {
                    merchant_id,
                    event_type: if n % 2 == 0 {
                        "order.completed"
                    } else {
                        "refund.created"
                    },
                    subject_uid: &uid,
                    self_path: format!("/orders/{uid}"),
                    data: json!({"n": n}),
                };
                outbox::write_event(&txn, event).await.unwrap();
                if n % 7 == 0 {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
                txn.commit().await.unwrap();
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// Follows `next` from `start` until `count` events were read (or 30 s passed); answers
/// the events in the order read.
async fn read_feed(app: &TestApp, who: Who<'_>, start: &str, count: usize) -> Vec<Value> {
    let mut url = app.href(start);
    let mut events = Vec::new();
    for _ in 0..600 {
        let page = app.get_json(who, &url).await;
        events.extend(
            page["_embedded"]["shop:events_feed"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
        url = page["_links"]["next"]["href"].as_str().unwrap().to_owned();
        if events.len() >= count {
            break;
        }
        if page["item_count"] == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    events
}

#[tokio::test]
async fn paging_the_feed_while_events_commit_out_of_order_never_skips_one() {
    let shop = webhook_shop(FAST).await;
    let id = merchant_id(&shop.app, &shop.merchant).await;
    let who = Who::Merchant(&shop.merchant);
    let (_, events) = tokio::join!(
        write_events(&shop.app, id, 200, 8),
        read_feed(&shop.app, who, "/events_feed?limit=7", 200)
    );
    assert_eq!(events.len(), 200);
    let seqs: Vec<i64> = events
        .iter()
        .map(|event| event["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|pair| pair[0] < pair[1]), "{seqs:?}");
    let numbers: HashSet<i64> = events
        .iter()
        .map(|event| event["data"]["n"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers.len(), 200);
}

#[tokio::test]
async fn the_feed_filters_by_type_and_carries_the_resource_with_its_self_link() {
    let shop = webhook_shop(FAST).await;
    let order = sell(&shop).await;
    let who = Who::Merchant(&shop.merchant);
    let events = read_feed(&shop.app, who, "/events_feed?types=order.completed", 1).await;
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event["type"], "order.completed");
    let order_url = shop
        .app
        .url(&format!("/orders/{}", order["uid"].as_str().unwrap()));
    assert_eq!(event["data"]["_links"]["self"]["href"], order_url);
    assert_eq!(event["data"]["status"], "completed");
    assert_eq!(event["data"]["grand_total"], order["grand_total"]);
    assert_eq!(event["data"]["reference"], order["reference"]);
    let refunds = shop
        .app
        .get_json(who, "/events_feed?types=refund.*,refund_request.*")
        .await;
    assert_eq!(refunds["item_count"], 0, "{refunds}");
    let bad = shop.app.get_as(who, "/events_feed?types=Orders!").await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn a_feed_event_links_its_redeliveries_and_the_ticketed_events_keep_their_routes() {
    let shop = webhook_shop(FAST).await;
    sell(&shop).await;
    let who = Who::Merchant(&shop.merchant);
    let event = read_feed(&shop.app, who, "/events_feed", 1).await.remove(0);
    let uid = event["uid"].as_str().unwrap();
    let item = shop
        .app
        .get_json(who, event["_links"]["self"]["href"].as_str().unwrap())
        .await;
    assert_eq!(item["uid"], uid);
    assert_eq!(
        item["_links"]["shop:redeliveries"]["href"],
        shop.app.url(&format!("/events/{uid}/redeliveries"))
    );
    let redelivered = shop
        .app
        .post_json(who, &format!("/events/{uid}/redeliveries"), &json!({}))
        .await;
    assert_eq!(redelivered.status(), StatusCode::ACCEPTED);
    assert_eq!(
        json_of(redelivered).await["deliveries"],
        json!([]),
        "no endpoint yet"
    );
    assert_eq!(shop.app.get("/events").await.status(), StatusCode::OK);
    assert_problem(
        shop.app.get(&format!("/events/{uid}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn another_merchants_events_are_neither_listed_nor_found_nor_redelivered() {
    let shop = webhook_shop(FAST).await;
    sell(&shop).await;
    let event = read_feed(&shop.app, Who::Merchant(&shop.merchant), "/events_feed", 1)
        .await
        .remove(0);
    let other = shop.app.merchant_named("Other bookstore").await;
    let them = Who::Merchant(&other);
    let feed = shop.app.get_json(them, "/events_feed").await;
    assert_eq!(feed["item_count"], 0, "{feed}");
    let item = shop
        .app
        .get_as(them, event["_links"]["self"]["href"].as_str().unwrap())
        .await;
    assert_problem(item, StatusCode::NOT_FOUND, "not_found").await;
    let redelivery = shop
        .app
        .post_json(
            them,
            event["_links"]["shop:redeliveries"]["href"].as_str().unwrap(),
            &json!({}),
        )
        .await;
    assert_problem(redelivery, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn the_feed_needs_merchant_credentials() {
    let shop = webhook_shop(FAST).await;
    let wrong = shop.merchant.with_wrong_secret();
    for who in [Who::Anonymous, Who::Merchant(&wrong)] {
        assert_problem(
            shop.app.get_as(who, "/events_feed").await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }
}

/// On PostgreSQL two instances share the database (and the work); on SQLite one serves.
#[tokio::test]
async fn instances_deliver_200_events_to_two_endpoints_each_once_in_order_and_never_twice_at_once() {
    let shop = webhook_shop(FAST).await;
    let second = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(
            spawn_instance_of(&shop.app, |settings| {
                settings.allow_http_webhooks = true;
                settings.webhook_retry_scale = FAST;
            })
            .await,
        ),
        _ => None,
    };
    let receiver = Receiver::start(0).await;
    receiver.hold(Duration::from_millis(3));
    for path in ["/a", "/b"] {
        let endpoint = create_endpoint(&shop.app, &shop.merchant, &receiver.url(path), json!([])).await;
        receiver.trust(endpoint["secret"].as_str().unwrap());
    }
    let id = merchant_id(&shop.app, &shop.merchant).await;
    write_events(&shop.app, id, 200, 8).await;
    receiver
        .wait_for(120, |received| {
            received.iter().filter(|m| m.answered == 200).count() >= 400
        })
        .await;
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 400, "each event to each endpoint");
    assert!(accepted.values().all(|&times| times == 1), "{accepted:?}");
    assert_eq!(receiver.overlaps(), 0);
    let feed = read_feed(
        &shop.app,
        Who::Merchant(&shop.merchant),
        "/events_feed?limit=500",
        200,
    )
    .await;
    let in_seq_order: Vec<&str> = feed.iter().map(|event| event["uid"].as_str().unwrap()).collect();
    for path in ["/a", "/b"] {
        let sent: Vec<String> = receiver
            .received()
            .into_iter()
            .filter(|m| m.path == path)
            .map(|m| m.id)
            .collect();
        assert_eq!(sent, in_seq_order, "{path}: strictly in commit order");
    }
    drop(second);
}

/// What a worker that died mid-send leaves: a delivery leased for `lease` more.
async fn leased_by_a_dead_worker(
    app: &TestApp,
    endpoint_uid: &str,
    event_uid: &str,
    lease: chrono::Duration,
) {
    use entity::{outbox_event, webhook_delivery, webhook_endpoint};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let endpoint = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Uid.eq(endpoint_uid))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let event = outbox_event::Entity::find()
        .filter(outbox_event::Column::Uid.eq(event_uid))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let now = chrono::Utc::now();
    webhook_delivery::ActiveModel {
        uid: Set(halshop::domain::ids::new_uid()),
        endpoint_id: Set(endpoint.id),
        event_id: Set(event.id),
        event_seq: Set(event.seq.unwrap()),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        give_up_at: Set(now + chrono::Duration::days(3)),
        locked_until: Set(Some(now + lease)),
        lock_token: Set(Some("dead".into())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_delivery_left_leased_by_a_worker_that_died_is_sent_once_the_lease_expires() {
    let shop = webhook_shop(FAST).await;
    let receiver = Receiver::start(0).await;
    // An endpoint that wants none of the events: the fan-out leaves the event to the test.
    let endpoint = create_endpoint(
        &shop.app,
        &shop.merchant,
        &receiver.url("/hooks"),
        json!(["nothing.*"]),
    )
    .await;
    receiver.trust(endpoint["secret"].as_str().unwrap());
    let id = merchant_id(&shop.app, &shop.merchant).await;
    write_events(&shop.app, id, 1, 1).await;
    let event = read_feed(&shop.app, Who::Merchant(&shop.merchant), "/events_feed", 1)
        .await
        .remove(0);
    let uid = event["uid"].as_str().unwrap();
    leased_by_a_dead_worker(
        &shop.app,
        endpoint["uid"].as_str().unwrap(),
        uid,
        chrono::Duration::seconds(2),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(receiver.received().is_empty(), "not while the lease holds");
    let received = receiver.wait_for(10, |r| !r.is_empty()).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].id, uid);
    assert!(received[0].verified);
}
