//! How the refundable amount is split between refund, voucher, donation (and change of
//! order where the shop offers it), and what a split comes to: the refund bill.

use std::fmt;

use entity::{order_line, refund_request};
use rust_decimal::{Decimal, prelude::ToPrimitive};
use sea_orm::DbErr;

use crate::domain::{
    money::Money,
    percentage::{InvalidPercentage, Percentage},
};

/// How the refundable amount is split. `change_order` is `None` unless the shop offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub refund: Percentage,
    pub change_order: Option<Percentage>,
    pub voucher: Percentage,
    pub donation: Percentage,
}

/// One share of a split, as the holder names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    Refund,
    ChangeOrder,
    Voucher,
    Donation,
}

impl Share {
    /// The field that holds this share.
    pub fn field(self) -> &'static str {
        match self {
            Share::Refund => "refund_percentage",
            Share::ChangeOrder => "change_order_percentage",
            Share::Voucher => "voucher_percentage",
            Share::Donation => "donation_percentage",
        }
    }
}

/// The shares a holder states, as written; any may be missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shares<'a> {
    pub refund: Option<&'a str>,
    pub change_order: Option<&'a str>,
    pub voucher: Option<&'a str>,
    pub donation: Option<&'a str>,
}

impl Shares<'_> {
    pub fn any(&self) -> bool {
        [self.refund, self.change_order, self.voucher, self.donation]
            .iter()
            .any(Option::is_some)
    }
}

/// Why one share is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareRefusal {
    Invalid(InvalidPercentage),
    /// The shop does not offer a change of order.
    NotOffered,
    /// The shares add up to this, not to 1.00.
    DoNotAddUp(Decimal),
}

impl fmt::Display for ShareRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareRefusal::Invalid(why) => why.fmt(f),
            ShareRefusal::NotOffered => f.write_str("this shop does not offer a change of order"),
            ShareRefusal::DoNotAddUp(total) => {
                write!(
                    f,
                    "the shares add up to {total}; they must add up to exactly 1.00"
                )
            }
        }
    }
}

/// A split was refused: each share at fault, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitRefused(pub Vec<(Share, ShareRefusal)>);

impl Split {
    /// Reads the shares a holder states: each "0.00"–"1.00" with two decimals, summing to
    /// exactly 1.00 over the options offered. With no share at all, everything is refunded.
    pub fn new(shares: Shares<'_>, offers_change_order: bool) -> Result<Self, SplitRefused> {
        let mut refused = Vec::new();
        let mut read = |share: Share, text: Option<&str>| -> Percentage {
            match text.map(Percentage::parse) {
                Some(Ok(p)) => p,
                Some(Err(why)) => {
                    refused.push((share, ShareRefusal::Invalid(why)));
                    Percentage::ZERO
                }
                None => Percentage::ZERO,
            }
        };
        let refund = read(Share::Refund, shares.refund);
        let change_order = read(Share::ChangeOrder, shares.change_order);
        let voucher = read(Share::Voucher, shares.voucher);
        let donation = read(Share::Donation, shares.donation);
        if shares.change_order.is_some() && !offers_change_order {
            refused.push((Share::ChangeOrder, ShareRefusal::NotOffered));
        }
        if !refused.is_empty() {
            return Err(SplitRefused(refused));
        }
        if !shares.any() {
            return Ok(Split::full_refund(offers_change_order));
        }
        let split = Split {
            refund,
            change_order: offers_change_order.then_some(change_order),
            voucher,
            donation,
        };
        if split.total() != Decimal::ONE {
            let mut total = split.total();
            total.rescale(2);
            return Err(SplitRefused(vec![(
                Share::Refund,
                ShareRefusal::DoNotAddUp(total),
            )]));
        }
        Ok(split)
    }

    /// Everything back through the payment provider.
    pub fn full_refund(offers_change_order: bool) -> Self {
        Split {
            refund: Percentage::ONE,
            change_order: offers_change_order.then_some(Percentage::ZERO),
            voucher: Percentage::ZERO,
            donation: Percentage::ZERO,
        }
    }

    pub fn total(&self) -> Decimal {
        self.refund.value()
            + self.voucher.value()
            + self.donation.value()
            + self.change_order.map_or(Decimal::ZERO, Percentage::value)
    }

    /// The split a request stores.
    pub fn of(request: &refund_request::Model) -> Result<Self, DbErr> {
        let read = |text: &Option<String>| -> Result<Option<Percentage>, DbErr> {
            text.as_deref()
                .map(|t| Percentage::parse(t).map_err(|why| DbErr::Type(why.to_string())))
                .transpose()
        };
        Ok(Split {
            refund: read(&request.refund_percentage)?.unwrap_or(Percentage::ZERO),
            change_order: read(&request.change_order_percentage)?,
            voucher: read(&request.voucher_percentage)?.unwrap_or(Percentage::ZERO),
            donation: read(&request.donation_percentage)?.unwrap_or(Percentage::ZERO),
        })
    }
}

/// The amounts of a split of what is still refundable. The parts add up to the whole to
/// the cent (largest remainder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundBill {
    pub refundable: Money,
    pub refund: Money,
    pub change_order: Option<Money>,
    pub voucher: Money,
    pub donation: Money,
}

/// Splits `total` minor units by `shares` (summing to 1) so that the parts add up exactly.
pub fn split_minor(total: i64, shares: &[Decimal]) -> Vec<i64> {
    let exact: Vec<Decimal> = shares.iter().map(|s| Decimal::from(total) * s).collect();
    let mut parts: Vec<i64> = exact.iter().map(|e| e.floor().to_i64().unwrap_or(0)).collect();
    let mut left = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| (exact[*b] - exact[*b].floor()).cmp(&(exact[*a] - exact[*a].floor())));
    for index in order.into_iter().cycle() {
        if left <= 0 || shares.iter().all(|s| s.is_zero()) {
            break;
        }
        if !shares[index].is_zero() {
            parts[index] += 1;
            left -= 1;
        }
    }
    parts
}

/// What `split` comes to of `refundable`: the amount an
/// [`Eligibility`](super::Eligibility) allows, zero when a refund cannot be granted.
pub fn bill(refundable: Money, split: &Split) -> RefundBill {
    let currency = refundable.currency();
    let shares = [
        split.refund.value(),
        split.voucher.value(),
        split.donation.value(),
        split.change_order.map_or(Decimal::ZERO, Percentage::value),
    ];
    let parts = split_minor(refundable.minor(), &shares);
    RefundBill {
        refundable,
        refund: Money::from_minor(parts[0], currency),
        voucher: Money::from_minor(parts[1], currency),
        donation: Money::from_minor(parts[2], currency),
        change_order: split.change_order.map(|_| Money::from_minor(parts[3], currency)),
    }
}

/// How the refund part is spread over the order's lines, by line total.
pub fn by_lines(lines: &[order_line::Model], amount: Money) -> Vec<(String, Money)> {
    let total: i64 = lines.iter().map(|l| l.total_minor).sum();
    if total <= 0 {
        return Vec::new();
    }
    let shares: Vec<Decimal> = lines
        .iter()
        .map(|l| Decimal::from(l.total_minor) / Decimal::from(total))
        .collect();
    split_minor(amount.minor(), &shares)
        .into_iter()
        .zip(lines)
        .map(|(minor, line)| (line.title.clone(), Money::from_minor(minor, amount.currency())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    #[test]
    fn split_parts_add_up_to_the_whole_to_the_cent() {
        assert_eq!(
            split_minor(1000, &[d("0.33"), d("0.33"), d("0.34")]),
            vec![330, 330, 340]
        );
        assert_eq!(
            split_minor(1, &[d("0.50"), d("0.50"), d("0")])
                .iter()
                .sum::<i64>(),
            1
        );
        assert_eq!(
            split_minor(2298, &[d("0.10"), d("0.90"), d("0")]),
            vec![230, 2068, 0]
        );
        assert_eq!(split_minor(999, &[d("0"), d("0"), d("1.00")]), vec![0, 0, 999]);
        for total in [1, 7, 101, 2299, 99_999] {
            let parts = split_minor(total, &[d("0.33"), d("0.33"), d("0.17"), d("0.17")]);
            assert_eq!(parts.iter().sum::<i64>(), total);
        }
    }

    #[test]
    fn a_split_names_each_bad_share_and_must_add_up_to_one() {
        let shares = Shares {
            refund: Some("0.333"),
            change_order: Some("0.10"),
            ..Shares::default()
        };
        let SplitRefused(refused) = Split::new(shares, false).unwrap_err();
        let fields: Vec<_> = refused.iter().map(|(share, _)| share.field()).collect();
        assert_eq!(fields, ["refund_percentage", "change_order_percentage"]);
        let half = Shares {
            refund: Some("0.50"),
            ..Shares::default()
        };
        assert_eq!(
            Split::new(half, false),
            Err(SplitRefused(vec![(
                Share::Refund,
                ShareRefusal::DoNotAddUp(d("0.50"))
            )]))
        );
        assert_eq!(Split::new(Shares::default(), true), Ok(Split::full_refund(true)));
    }
}
