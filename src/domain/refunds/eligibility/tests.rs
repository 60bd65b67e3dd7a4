//! Unit tests of the pure core: every rule evaluated on facts built in memory.

use chrono::TimeZone;

use super::*;
use crate::domain::money::Currency;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap()
}

fn order(status: OrderStatus) -> order::Model {
    order::Model {
        id: 1,
        uid: "0".repeat(32),
        reference: "ABC123".into(),
        merchant_id: 1,
        status: status.as_str().into(),
        channel: "web".into(),
        token_hash: String::new(),
        transaction_id: "t".into(),
        customer_id: "c".into(),
        customer_sub: None,
        email: "noor@example.com".into(),
        first_name: "Noor".into(),
        last_name: "Peeters".into(),
        country: "BE".into(),
        region: None,
        external_reference: None,
        currency: "EUR".into(),
        product_total_minor: 499,
        tax_total_minor: 0,
        voucher_total_minor: 0,
        grand_total_minor: 499,
        refunded_total_minor: 0,
        taxes: "[]".into(),
        sale_state: "test".into(),
        redirect_url: None,
        cancel_reason: None,
        cancelled_at: None,
        paid_at: status.is_paid().then(|| at(18)),
        completed_at: status.is_paid().then(|| at(18)),
        created_at: at(18),
        updated_at: at(18),
        version: 1,
        revision: 0,
        library_id: None,
        expires_at: None,
    }
}

fn merchant(can_refund: bool) -> merchant::Model {
    merchant::Model {
        id: 1,
        uid: "1".repeat(32),
        name: "Test bookstore".into(),
        app_key: "mk_test".into(),
        secret_hash: String::new(),
        can_refund,
        sale_state: "test".into(),
        support_email: "help@bookstore.example".into(),
        support_phone: "+33 1 23 45 67 89".into(),
        created_at: at(1),
        offers_change_order: false,
        resell_refunded: false,
        time_zone: "UTC".into(),
    }
}

fn line() -> order_line::Model {
    order_line::Model {
        id: 7,
        order_id: 1,
        position: 0,
        product_id: 1,
        product_uid: "2".repeat(32),
        sku: "BOOK-1".into(),
        title: "Book number 1".into(),
        kind: "ebook".into(),
        isbn: Some("9780000000019".into()),
        format: "epub".into(),
        protection: "watermark".into(),
        unit_price_minor: 499,
        price_includes_tax: true,
        quantity: 1,
        net_minor: 499,
        tax_minor: 0,
        total_minor: 499,
        taxes: "[]".into(),
        refund_days: 14,
        library_offer_id: None,
        usage_limit_percent: 10,
    }
}

fn delivery() -> delivery::Model {
    delivery::Model {
        id: 3,
        uid: "3".repeat(32),
        order_id: 1,
        order_line_id: 7,
        product_id: 1,
        unit: 1,
        access_code: "ABCDEFGHJK".into(),
        status: DeliveryStatus::Active.as_str().into(),
        downloaded_at: None,
        usage_percent: 0,
        owner_sub: None,
        redeemed_at: None,
        voided_at: None,
        created_at: at(18),
        owner_email: None,
    }
}

/// Evaluates an order of one ebook with one delivery as a customer's request.
fn judge(
    order: &order::Model,
    can_refund: bool,
    delivery: &delivery::Model,
    now: DateTime<Utc>,
) -> Eligibility {
    judge_as(order, can_refund, delivery, now, RefundSource::CustomerRequest)
}

fn judge_as(
    order: &order::Model,
    can_refund: bool,
    delivery: &delivery::Model,
    now: DateTime<Utc>,
    source: RefundSource,
) -> Eligibility {
    let facts = Facts {
        order,
        merchant: &merchant(can_refund),
        lines: &[line()],
        deliveries: &[delivery],
    };
    evaluate(facts, source, now).unwrap()
}

fn failed(eligibility: &Eligibility) -> Vec<&'static str> {
    eligibility
        .checks
        .iter()
        .filter(|check| !check.passed())
        .map(|check| check.rule.code())
        .collect()
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::Eur)
}

#[test]
fn a_fresh_completed_order_is_eligible_for_its_grand_total_with_every_check_passed() {
    let eligibility = judge(&order(OrderStatus::Completed), true, &delivery(), at(20));
    assert!(eligibility.eligible);
    assert_eq!(eligibility.refundable, eur(499));
    let codes: Vec<_> = eligibility.checks.iter().map(|c| c.rule.code()).collect();
    let all: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(codes, all, "every rule, in order");
    assert!(failed(&eligibility).is_empty(), "{eligibility:?}");
    assert_eq!(eligibility.refusal(), None);
}

#[test]
fn a_download_fails_not_fulfilled_with_its_date_and_nothing_is_refundable() {
    let mut downloaded = delivery();
    downloaded.downloaded_at = Some(at(20));
    let eligibility = judge(&order(OrderStatus::Completed), true, &downloaded, at(21));
    assert!(!eligibility.eligible);
    assert_eq!(eligibility.refundable, eur(0));
    assert_eq!(failed(&eligibility), ["not_fulfilled"]);
    let check = eligibility.check(Rule::NotFulfilled).unwrap();
    assert_eq!(
        check.detail,
        "Downloaded on 2026-11-20; a downloaded ebook cannot be refunded."
    );
    assert_eq!(eligibility.refusal(), Some(&Ineligible::Fulfilled));
}

#[test]
fn every_rule_is_evaluated_and_the_first_failure_is_the_refusal() {
    let mut used = delivery();
    used.status = DeliveryStatus::Redeemed.as_str().into();
    used.redeemed_at = Some(at(19));
    used.usage_percent = 50;
    let eligibility = judge(
        &order(OrderStatus::Completed),
        false,
        &used,
        at(18) + Duration::days(15),
    );
    assert_eq!(
        failed(&eligibility),
        [
            "merchant_permission",
            "not_fulfilled",
            "within_refund_days",
            "under_usage_limit"
        ]
    );
    assert_eq!(eligibility.refusal(), Some(&Ineligible::NotAllowed));
    let days = eligibility.check(Rule::WithinRefundDays).unwrap();
    assert_eq!(days.refusal, Some(Ineligible::TimeLimit { days: 14 }));
    assert_eq!(
        days.detail,
        "Sold on 2026-11-18; the 14-day refund period ended on 2026-12-02."
    );
    let usage = eligibility.check(Rule::UnderUsageLimit).unwrap();
    assert_eq!(usage.refusal, Some(Ineligible::UsageLimit { percent: 10 }));
}

#[test]
fn the_refund_days_end_at_the_same_time_of_day_as_the_sale() {
    let order = order(OrderStatus::Completed);
    let last = at(18) + Duration::days(14);
    assert!(judge(&order, true, &delivery(), last).eligible);
    let late = judge(&order, true, &delivery(), last + Duration::seconds(1));
    assert_eq!(failed(&late), ["within_refund_days"]);
}

#[test]
fn an_order_without_a_sale_fails_sale_found_whatever_its_status() {
    for status in [
        OrderStatus::AwaitingPayment,
        OrderStatus::Cancelled,
        OrderStatus::Paid,
    ] {
        let eligibility = judge(&order(status), true, &delivery(), at(18));
        assert_eq!(failed(&eligibility), ["sale_found"], "{status:?}");
        assert_eq!(eligibility.refusal(), Some(&Ineligible::NoSale));
        assert_eq!(eligibility.refundable, eur(0));
    }
}

#[test]
fn what_is_left_after_a_partial_refund_is_refundable_and_nothing_after_a_full_one() {
    let mut partly = order(OrderStatus::PartiallyRefunded);
    partly.refunded_total_minor = 199;
    let eligibility = judge(&partly, true, &delivery(), at(19));
    assert_eq!(eligibility.refundable, eur(300));
    assert_eq!(
        eligibility.check(Rule::NotAlreadyRefunded).unwrap().detail,
        "1.99 EUR of 4.99 EUR has been refunded; 3.00 EUR is left."
    );
    let mut fully = order(OrderStatus::Refunded);
    fully.refunded_total_minor = 499;
    let eligibility = judge(&fully, true, &delivery(), at(19));
    assert_eq!(failed(&eligibility), ["not_already_refunded"]);
    assert_eq!(eligibility.refusal(), Some(&Ineligible::AlreadyRefunded));
}

#[test]
fn an_event_refund_skips_the_rules_about_the_buyers_use() {
    let mut downloaded = delivery();
    downloaded.downloaded_at = Some(at(20));
    let late = at(18) + Duration::days(30);
    let order = order(OrderStatus::Completed);
    let eligibility = judge_as(&order, true, &downloaded, late, RefundSource::EventRefund);
    assert!(eligibility.eligible, "{eligibility:?}");
    assert_eq!(eligibility.refundable, eur(499));
    assert_eq!(eligibility.checks.len(), Rule::ALL.len());
    let merchantless = judge_as(&order, false, &downloaded, late, RefundSource::EventRefund);
    assert_eq!(failed(&merchantless), ["merchant_permission"]);
}

#[test]
fn an_open_event_refund_decides_which_rules_apply() {
    let request = |status: RefundRequestStatus, source: RefundSource| refund_request::Model {
        id: 1,
        uid: "4".repeat(32),
        order_id: 1,
        open_order_id: Some(1),
        status: status.as_str().into(),
        source: source.as_str().into(),
        refund_percentage: Some("1.00".into()),
        change_order_percentage: None,
        voucher_percentage: Some("0.00".into()),
        donation_percentage: Some("0.00".into()),
        bank_details: None,
        keep_tickets: false,
        reason: None,
        decision_reason: None,
        created_at: at(19),
        decided_at: None,
        processed_at: None,
        version: 1,
    };
    let customer = RefundSource::CustomerRequest;
    let event = RefundSource::EventRefund;
    assert_eq!(source_now(&[]).unwrap(), customer);
    let open_event = request(RefundRequestStatus::Approved, event);
    assert_eq!(source_now(&[open_event]).unwrap(), event);
    let closed_event = request(RefundRequestStatus::Rejected, event);
    assert_eq!(source_now(&[closed_event]).unwrap(), customer);
}

#[test]
fn a_sold_order_changes_by_itself_when_its_refund_period_ends_and_not_after() {
    let order = order(OrderStatus::Completed);
    let end = at(18) + Duration::days(14);
    assert_eq!(changes_by_itself_at(&order, &[line()], at(20)), Some(end));
    assert_eq!(
        changes_by_itself_at(&order, &[line()], end + Duration::seconds(1)),
        None
    );
}

#[test]
fn an_unpaid_order_changes_by_itself_when_its_hold_ends() {
    let mut order = order(OrderStatus::AwaitingPayment);
    order.expires_at = Some(at(18) + Duration::minutes(15));
    assert_eq!(changes_by_itself_at(&order, &[line()], at(18)), order.expires_at);
}
