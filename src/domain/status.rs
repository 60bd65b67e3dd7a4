//! Every status halshop stores, as an enum: `as_str()` is the stored (and wire) text,
//! `from_stored` reads it back and refuses anything unknown.

use sea_orm::DbErr;

/// Declares a status enum with its stored texts, `as_str` and `from_stored`.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }

            pub fn from_stored(text: &str) -> Result<Self, DbErr> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|status| status.as_str() == text)
                    .ok_or_else(|| DbErr::Type(format!(concat!("unknown ", $what, " {:?}"), text)))
            }
        }
    };
}

stored_enum!(
    /// Where an order stands.
    OrderStatus, "order status" {
        /// Placed, not paid yet; can be paid or cancelled.
        AwaitingPayment = "awaiting_payment",
        /// Payment captured; the sale is being registered.
        Paid = "paid",
        /// Sale registered and goods delivered.
        Completed = "completed",
        /// Cancelled before payment; final.
        Cancelled = "cancelled",
        /// Part of what was paid has been refunded.
        PartiallyRefunded = "partially_refunded",
        /// Everything paid has been refunded.
        Refunded = "refunded",
        /// Not paid before its hold ran out; its ticket places went back on sale. Final.
        Expired = "expired",
    }
);

impl OrderStatus {
    /// Whether a payment was recorded (what follows payment included: completion, refunds).
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid
                | OrderStatus::Completed
                | OrderStatus::PartiallyRefunded
                | OrderStatus::Refunded
        )
    }

    /// Whether the order can still be paid or cancelled.
    pub fn awaits_payment(self) -> bool {
        self == OrderStatus::AwaitingPayment
    }
}

stored_enum!(
    /// Where a voucher stands.
    VoucherStatus, "voucher status" {
        /// Can pay part of an order.
        Active = "active",
        /// Used by an order; active again if that order is cancelled unpaid.
        Redeemed = "redeemed",
    }
);

stored_enum!(
    /// Where a delivery stands.
    DeliveryStatus, "delivery status" {
        /// Issued; its access code can still be redeemed.
        Active = "active",
        /// Its access code was redeemed into a library.
        Redeemed = "redeemed",
        /// Refunded or cancelled at the till: nothing can be downloaded any more.
        Voided = "voided",
    }
);

stored_enum!(
    /// Where a library loan stands.
    LoanStatus, "loan status" {
        /// Lent: the patron may download the book until `due_at`.
        Active = "active",
        /// Given back early; the copy went back to the library.
        Returned = "returned",
        /// Ran out at `due_at`; the copy went back to the library by itself.
        Expired = "expired",
    }
);

stored_enum!(
    /// Where a patron's hold on a title stands.
    HoldStatus, "hold status" {
        /// Queued for the next free copy.
        Waiting = "waiting",
        /// A copy is set aside for this patron until `offer_expires_at`.
        Ready = "ready",
        /// The patron borrowed the title.
        Borrowed = "borrowed",
        /// The copy set aside was not borrowed in time; it passed to the next hold.
        Lapsed = "lapsed",
        /// The library took the patron out of the queue.
        Cancelled = "cancelled",
    }
);

stored_enum!(
    /// Where a refund request is in its lifecycle.
    RefundRequestStatus, "refund request status" {
        /// Opened; the holder may still change or cancel it.
        New = "new",
        /// Approved by the merchant; waiting to be processed.
        Approved = "approved",
        /// The money was returned.
        Processed = "processed",
        Rejected = "rejected",
        Cancelled = "cancelled",
    }
);

impl RefundRequestStatus {
    /// New or approved: an order has at most one such request at a time.
    pub fn is_open(self) -> bool {
        matches!(self, RefundRequestStatus::New | RefundRequestStatus::Approved)
    }
}

stored_enum!(
    /// Who opened a refund request.
    RefundSource, "refund request source" {
        /// The holder asked for it.
        CustomerRequest = "customer_request",
        /// The merchant withdrew the product (a cancelled event).
        EventRefund = "event_refund",
    }
);

stored_enum!(
    /// How money is returned.
    RefundType, "refund type" {
        /// Through the payment provider.
        Psp = "psp",
        /// As a voucher of the shop.
        Voucher = "voucher",
    }
);

stored_enum!(
    /// The status of a refund made.
    RefundStatus, "refund status" {
        Processed = "processed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refund_statuses_read_back_what_they_store() {
        for status in RefundRequestStatus::ALL {
            assert_eq!(
                RefundRequestStatus::from_stored(status.as_str()).unwrap(),
                *status
            );
        }
        assert_eq!(RefundType::from_stored("psp").unwrap(), RefundType::Psp);
        assert!(RefundType::from_stored("cash").is_err());
        assert!(RefundSource::from_stored("nobody").is_err());
    }

    #[test]
    fn order_statuses_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::from_stored(status.as_str()).unwrap(), *status);
        }
    }

    #[test]
    fn voucher_statuses_round_trip() {
        for status in VoucherStatus::ALL {
            assert_eq!(VoucherStatus::from_stored(status.as_str()).unwrap(), *status);
        }
    }

    #[test]
    fn only_orders_with_a_recorded_payment_are_paid() {
        assert!(!OrderStatus::AwaitingPayment.is_paid());
        assert!(!OrderStatus::Cancelled.is_paid());
        assert!(OrderStatus::Refunded.is_paid());
    }

    #[test]
    fn delivery_statuses_round_trip() {
        for status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::from_stored(status.as_str()).unwrap(), *status);
        }
        assert!(DeliveryStatus::from_stored("lost").is_err());
    }
}
