//! Reading an order again serves a kept copy of its representation only while it is
//! current: a change to any row it shows, made by any process, or the passing of a deadline
//! shows in the very next read.

use std::time::Duration;

use entity::{delivery, order, order_line};
use halshop::domain::orders::changes;
use reqwest::StatusCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, sea_query::Expr,
};
use serde_json::json;

use crate::helpers::{
    expect_json,
    orders::{NOOR, cart, place_paid_order},
    refunds::{paid, paid_ebook},
    self_href, spawn_instance_of,
};

#[tokio::test]
async fn a_delivery_changed_outside_halshop_shows_in_the_next_read_of_its_order() {
    let paid = paid_ebook().await;
    let before = paid.order_now().await;
    assert_eq!(before["_embedded"]["shop:deliveries"][0]["usage_percent"], 0);
    delivery::Entity::update_many()
        .col_expr(delivery::Column::UsagePercent, Expr::value(40))
        .exec(&paid.app.db)
        .await
        .unwrap();
    let after = paid.order_now().await;
    assert_eq!(
        after["_embedded"]["shop:deliveries"][0]["usage_percent"], 40,
        "{after}"
    );
}

#[tokio::test]
async fn a_refund_request_opened_through_another_instance_shows_in_the_next_read_here() {
    let paid = paid().await;
    let before = paid.order_now().await;
    assert!(before["_links"].get("shop:refund_requests").is_some(), "{before}");
    assert_eq!(
        before["_templates"]["request_refund"]["method"], "POST",
        "{before}"
    );
    let other = spawn_instance_of(&paid.app, |_| {}).await;
    let body = json!({"order": paid.order_uri()});
    let opened = other.post_json(paid.holder(), "/refund_requests", &body).await;
    expect_json(opened, StatusCode::CREATED).await;
    let after = paid.order_now().await;
    assert!(after["_templates"].get("request_refund").is_none(), "{after}");
}

#[tokio::test]
async fn the_end_of_the_refund_period_shows_without_any_write() {
    let paid = paid().await;
    // One refund day, ending two seconds from now.
    let uid = paid.placed.order["uid"].as_str().unwrap().to_owned();
    let order_id = order::Entity::find()
        .filter(order::Column::Uid.eq(uid.as_str()))
        .one(&paid.app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    order_line::Entity::update_many()
        .col_expr(order_line::Column::RefundDays, Expr::value(1))
        .filter(order_line::Column::OrderId.eq(order_id))
        .exec(&paid.app.db)
        .await
        .unwrap();
    let sold_at = chrono::Utc::now() - chrono::Duration::days(1) + chrono::Duration::seconds(2);
    order::Entity::update_many()
        .col_expr(order::Column::CompletedAt, Expr::value(sold_at))
        .filter(order::Column::Id.eq(order_id))
        .exec(&paid.app.db)
        .await
        .unwrap();
    let open = paid.order_now().await;
    assert_eq!(open["refund_eligibility"]["eligible"], true, "{open}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let closed = paid.order_now().await;
    assert_eq!(closed["refund_eligibility"]["eligible"], false, "{closed}");
}

#[tokio::test]
async fn pruning_keeps_only_the_newest_change_of_each_order_and_its_mark() {
    let paid = paid_ebook().await;
    let db = &paid.app.db;
    let uid = paid.placed.order["uid"].as_str().unwrap();
    let mark = || async { changes::find_marked(db, uid).await.unwrap().unwrap().2 };
    for percent in [10, 20, 30] {
        delivery::Entity::update_many()
            .col_expr(delivery::Column::UsagePercent, Expr::value(percent))
            .exec(db)
            .await
            .unwrap();
    }
    let before = mark().await;
    changes::prune(db).await.unwrap();
    assert_eq!(mark().await, before);
    if db.get_database_backend() == DbBackend::Postgres {
        let count = "SELECT count(*) AS n FROM order_change c JOIN shop_order o ON o.id = c.order_id WHERE o.uid = $1";
        let statement = Statement::from_sql_and_values(DbBackend::Postgres, count, [uid.into()]);
        let row = db.query_one_raw(statement).await.unwrap().unwrap();
        assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1);
    }
    let read = paid.order_now().await;
    assert_eq!(
        read["_embedded"]["shop:deliveries"][0]["usage_percent"], 30,
        "{read}"
    );
}

#[tokio::test]
async fn orders_read_at_the_same_time_each_answer_their_own_order() {
    let paid = paid_ebook().await;
    let mut orders = vec![paid.order_uri()];
    for _ in 0..2 {
        let placed = place_paid_order(&paid.app, &cart(NOOR).line(&paid.product, 1)).await;
        orders.push(placed.url());
    }
    let reads = (0..30).map(|n| {
        let url = orders[n % orders.len()].clone();
        let app = &paid.app;
        let merchant = paid.as_merchant();
        async move { (url.clone(), app.get_json(merchant, &url).await) }
    });
    for (url, read) in futures::future::join_all(reads).await {
        assert_eq!(self_href(&read), url, "{read}");
    }
}
