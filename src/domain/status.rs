//! Every status halshop stores, as an enum: `as_str()` gives the stored text and
//! `from_stored` reads it back (an unknown text is a database error, not a user's).

use sea_orm::DbErr;

/// Declares a status enum with its stored texts, `ALL`, `as_str()` and `from_stored`.
macro_rules! stored_status {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn from_stored(text: &str) -> Result<Self, DbErr> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|status| status.as_str() == text)
                    .ok_or_else(|| DbErr::Type(format!(concat!("unknown ", $what, " status {:?}"), text)))
            }
        }
    };
}

stored_status!(
    /// Where an order stands.
    OrderStatus, "order" {
        /// Placed, not paid yet; can be paid or cancelled.
        AwaitingPayment => "awaiting_payment",
        /// Payment captured; the sale is being registered.
        Paid => "paid",
        /// Sale registered and goods delivered.
        Completed => "completed",
        /// Cancelled before payment; final.
        Cancelled => "cancelled",
        /// Part of what was paid has been refunded.
        PartiallyRefunded => "partially_refunded",
        /// Everything paid has been refunded.
        Refunded => "refunded",
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

stored_status!(
    /// Where a voucher stands.
    VoucherStatus, "voucher" {
        /// Can pay part of an order.
        Active => "active",
        /// Used by an order; final.
        Redeemed => "redeemed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

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
}
