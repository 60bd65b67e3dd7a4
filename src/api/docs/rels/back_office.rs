//! The relations a merchant's back office follows beside the catalogue and the orders: the
//! shop's vouchers and the payments of an order.

use super::{Forms, Rel, Template};

const VOUCHERS_TEMPLATES: &[Template] = &[
    Template {
        key: "default",
        offered: "The first of the other templates, as HAL-FORMS asks for.",
    },
    Template {
        key: "create",
        offered: "POST `{amount: {amount, currency}}` to `/vouchers`: issue a voucher worth `amount`; on the collection, to its merchant.",
    },
];

pub const RELS: &[Rel] = &[
    Rel {
        name: "vouchers",
        summary: "Your vouchers; issue one.",
        target: "The merchant's vouchers, newest first, embedded under `shop:vouchers`: each with its `code`, `amount`, `status` (`active` or `redeemed`), `source` (`merchant` when issued by hand, `refund` for the voucher part of a refund), and when it was created and redeemed. Filter with `status` and `source`. POST `{amount}` to issue a voucher; a buyer types its code in an order's `vouchers`. Each voucher's `self` is `/vouchers/{code}`, readable by whoever holds the code.",
        methods: "GET, POST",
        auth: "Merchant (HTTP Basic).",
        forms: Some(&Forms {
            on: "the collection",
            templates: VOUCHERS_TEMPLATES,
        }),
        example: include_str!("../examples/vouchers.http"),
    },
    Rel {
        name: "payments",
        summary: "The payment notifications of an order.",
        target: "Every payment notification the provider sent for the order, oldest first, embedded under `shop:payments`, kept whatever its outcome: `provider_reference`, the provider's `status` (`captured` or `declined`), halshop's `outcome` (`sold`, `declined`, `amount_mismatch`, `not_payable`, `order_expired`), `amount` and `received_at`. Each payment's `self` is `/orders/{uid}/payments/{n}`, numbered from 1. Empty until the provider reports a payment.",
        methods: "GET",
        auth: "Whoever may see the order: its `Order-Token`, the customer who placed it, or the merchant's HTTP Basic credentials. Anyone else gets 404.",
        forms: None,
        example: include_str!("../examples/payments.http"),
    },
];
