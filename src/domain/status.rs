//! Every stored status, as an enum: `as_str()` is the stored (and wire) text, `from_stored`
//! reads it back and treats unknown text as a corrupted row.

use sea_orm::DbErr;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Issued; its access code can still be redeemed.
    Active,
    /// Its access code was redeemed into a library.
    Redeemed,
    /// Refunded or cancelled at the till: nothing can be downloaded any more.
    Voided,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Active => "active",
            DeliveryStatus::Redeemed => "redeemed",
            DeliveryStatus::Voided => "voided",
        }
    }

    pub fn from_stored(text: &str) -> Result<Self, DbErr> {
        match text {
            "active" => Ok(DeliveryStatus::Active),
            "redeemed" => Ok(DeliveryStatus::Redeemed),
            "voided" => Ok(DeliveryStatus::Voided),
            other => Err(DbErr::Type(format!("unknown delivery status {other:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_statuses_round_trip() {
        for status in [
            DeliveryStatus::Active,
            DeliveryStatus::Redeemed,
            DeliveryStatus::Voided,
        ] {
            assert_eq!(DeliveryStatus::from_stored(status.as_str()).unwrap(), status);
        }
        assert!(DeliveryStatus::from_stored("lost").is_err());
    }
}
