//! How the one eligibility answer is shown: `refund_eligibility` on orders and refund bills,
//! and the refund bill an order embeds. Built from an [`Eligibility`] already evaluated.

use poem_openapi::{Enum, Object};

use crate::{
    api::types::MoneyRepr,
    domain::refunds::{self, Eligibility, Rule, Split},
    http::hal::{Curie, Hal, Link},
};

/// The stable code of a rule of the sale cancellation, and the problem a refund request
/// gets when it is the first to fail: `merchant_permission` (the shop has the right to
/// refund; `refund_unauthorized`), `sale_found` (the order was paid and sold; `not_found`),
/// `not_already_refunded` (something paid is left to refund; `already_refunded`),
/// `not_fulfilled` (nothing downloaded or redeemed; `refund_unauthorized`),
/// `within_refund_days` (within the products' refund days from the sale;
/// `refund_time_limit`), `under_usage_limit` (not read beyond the products' usage limit;
/// `refund_usage_limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RefundCheckCode {
    MerchantPermission,
    SaleFound,
    NotAlreadyRefunded,
    NotFulfilled,
    WithinRefundDays,
    UnderUsageLimit,
}

impl From<Rule> for RefundCheckCode {
    fn from(rule: Rule) -> Self {
        match rule {
            Rule::MerchantPermission => RefundCheckCode::MerchantPermission,
            Rule::SaleFound => RefundCheckCode::SaleFound,
            Rule::NotAlreadyRefunded => RefundCheckCode::NotAlreadyRefunded,
            Rule::NotFulfilled => RefundCheckCode::NotFulfilled,
            Rule::WithinRefundDays => RefundCheckCode::WithinRefundDays,
            Rule::UnderUsageLimit => RefundCheckCode::UnderUsageLimit,
        }
    }
}

/// One rule of the sale cancellation, evaluated on the order as it is now.
#[derive(Debug, Clone, Object)]
pub struct RefundCheckRepr {
    pub code: RefundCheckCode,
    /// Whether the rule holds.
    pub passed: bool,
    /// What was found, in one sentence for a person (e.g. "Downloaded on 2026-11-20; a
    /// downloaded ebook cannot be refunded.").
    pub detail: String,
}

/// Whether a refund can be requested now, explained before anyone asks. Every rule is
/// evaluated, none skipped after a failure, in the order a refund request applies them: the
/// first failed check is the refusal a request would get. The same answer decides
/// `refundable_total`, the refund bill's amounts, and whether a refund request is accepted.
/// Under an open event refund (the merchant withdrew the product) the rules about the
/// buyer's use pass and say they do not apply.
#[derive(Debug, Clone, Object)]
pub struct RefundEligibilityRepr {
    /// Every check passed: a refund can be requested now.
    pub eligible: bool,
    /// Every rule, in the order it is applied.
    pub checks: Vec<RefundCheckRepr>,
}

impl From<&Eligibility> for RefundEligibilityRepr {
    fn from(eligibility: &Eligibility) -> Self {
        RefundEligibilityRepr {
            eligible: eligibility.eligible,
            checks: eligibility
                .checks
                .iter()
                .map(|check| RefundCheckRepr {
                    code: check.rule.into(),
                    passed: check.passed(),
                    detail: check.detail.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct OrderRefundBillLinks {
    /// The refund bill of the order (`<base>/refund-bill?order=<order URI>`), with every
    /// amount.
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
}

/// The refund bill embedded in a paid order: what a full refund comes to now (zero when the
/// order cannot be refunded), and why.
#[derive(Debug, Clone, Object)]
pub struct OrderRefundBillRepr {
    #[oai(rename = "_links")]
    pub links: OrderRefundBillLinks,
    pub refund_amount: MoneyRepr,
    pub voucher_amount: MoneyRepr,
    pub refund_eligibility: RefundEligibilityRepr,
}

/// The refund bill an order embeds; `self_link` is the order's refund bill.
pub fn order_refund_bill(hal: &Hal, self_link: Link, eligibility: &Eligibility) -> OrderRefundBillRepr {
    // A bill without shares is a full refund; whether the shop offers a change of order
    // changes neither of the amounts shown here.
    let bill = refunds::bill(eligibility.refundable, &Split::full_refund(false));
    OrderRefundBillRepr {
        links: OrderRefundBillLinks {
            self_link,
            curies: hal.curies(),
        },
        refund_amount: bill.refund.into(),
        voucher_amount: bill.voucher.into(),
        refund_eligibility: eligibility.into(),
    }
}
