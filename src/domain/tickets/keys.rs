//! The Ed25519 keys that sign ticket QR payloads, and the signing itself: a compact JWS
//! (RFC 7515) with `alg: EdDSA` (RFC 8037). The newest key signs; every key stays
//! published, so that a ticket signed before a rotation still verifies at the door.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use ed25519_dalek::{Signer, SigningKey};
use entity::ticket_key;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder};

use crate::domain::ids;

/// A key able to sign, with its id.
pub struct TicketSigner {
    pub kid: String,
    key: SigningKey,
}

/// A published key: its id and its public half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: String,
    /// The 32-byte public key, base64url without padding (the JWK's `x`).
    pub x: String,
}

impl TicketSigner {
    fn from_row(row: &ticket_key::Model) -> Result<Self, DbErr> {
        let seed: [u8; 32] = hex::decode(&row.seed)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| DbErr::Type(format!("ticket key {} is not a 32-byte seed", row.kid)))?;
        Ok(TicketSigner {
            kid: row.kid.clone(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// The compact JWS of `claims`, signed with this key.
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        let header = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": self.kid});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// Adds a new signing key; from now on it signs new tickets.
pub async fn rotate(db: &impl ConnectionTrait) -> Result<PublicKey, DbErr> {
    let mut seed = [0u8; 32];
    rand::fill(&mut seed);
    let row = ticket_key::ActiveModel {
        kid: Set(format!("tk_{}", &ids::new_uid()[..16])),
        seed: Set(hex::encode(seed)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(public_of(&row, &TicketSigner::from_row(&row)?))
}

/// The newest key, made on first use.
pub async fn signer(db: &impl ConnectionTrait) -> Result<TicketSigner, DbErr> {
    let newest = ticket_key::Entity::find()
        .order_by_desc(ticket_key::Column::Id)
        .one(db)
        .await?;
    match newest {
        Some(row) => TicketSigner::from_row(&row),
        None => {
            rotate(db).await?;
            Box::pin(signer(db)).await
        }
    }
}

/// Every published key, newest first.
pub async fn published(db: &impl ConnectionTrait) -> Result<Vec<PublicKey>, DbErr> {
    let rows = ticket_key::Entity::find()
        .order_by_desc(ticket_key::Column::Id)
        .all(db)
        .await?;
    rows.iter()
        .map(|row| Ok(public_of(row, &TicketSigner::from_row(row)?)))
        .collect()
}

fn public_of(row: &ticket_key::Model, signer: &TicketSigner) -> PublicKey {
    PublicKey {
        kid: row.kid.clone(),
        x: URL_SAFE_NO_PAD.encode(signer.key.verifying_key().to_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier};

    #[test]
    fn a_signed_payload_verifies_with_the_public_key_and_names_its_kid() {
        let signer = TicketSigner {
            kid: "tk_test".into(),
            key: SigningKey::from_bytes(&[7u8; 32]),
        };
        let jws = signer.sign(&serde_json::json!({"barcode": "ABC"}));
        let parts: Vec<&str> = jws.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["kid"], "tk_test");
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        assert!(
            signer
                .key
                .verifying_key()
                .verify(input.as_bytes(), &signature)
                .is_ok()
        );
    }
}
