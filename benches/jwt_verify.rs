//! Cost of verifying a customer token: `cargo bench --bench jwt_verify`.
//!
//! Prints the mean time of one full RS256 verification (signature, claims) and of one
//! verification answered by the cache of already-verified tokens.

use std::time::Instant;

use halshop::auth::{
    dev_idp::{generate_key_pair, sign_rs256},
    jwt::{KeySource, TokenUse, Verifier, VerifierConfig},
};
use serde_json::json;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let pair = generate_key_pair().unwrap();
        let verifier = Verifier::new(
            VerifierConfig {
                issuer: "https://issuer.example".into(),
                client_ids: vec!["client".into()],
                token_use: TokenUse::Access,
                leeway: 30,
            },
            KeySource::Local,
        );
        use aws_lc_rs::signature::KeyPair as _;
        let public = pair.public_key();
        verifier.insert_key(
            "bench",
            jsonwebtoken::DecodingKey::from_rsa_raw_components(
                public.modulus().big_endian_without_leading_zero(),
                public.exponent().big_endian_without_leading_zero(),
            ),
        );
        let exp = chrono::Utc::now().timestamp() + 3600;
        let token = sign_rs256(
            &pair,
            &json!({"alg": "RS256", "kid": "bench"}),
            &json!({"sub": "alice", "iss": "https://issuer.example", "token_use": "access",
                    "client_id": "client", "exp": exp}),
        )
        .unwrap();

        let rounds = 2_000;
        let started = Instant::now();
        for _ in 0..rounds {
            verifier.verify_uncached(&token).await.unwrap();
        }
        let full = started.elapsed() / rounds;

        verifier.verify(&token).await.unwrap();
        let started = Instant::now();
        for _ in 0..rounds * 50 {
            verifier.verify(&token).await.unwrap();
        }
        let cached = started.elapsed() / (rounds * 50);

        println!(
            "jwt_verify: full RS256 verification  {:>9.1} µs",
            full.as_secs_f64() * 1e6
        );
        println!(
            "jwt_verify: cached verification      {:>9.1} µs",
            cached.as_secs_f64() * 1e6
        );
    });
}
