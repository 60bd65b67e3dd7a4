//! The script and style sheet of the HTML pages, embedded from `web/` and served by halshop
//! itself under `/assets/`, cached for a year: their URLs carry a version that changes with
//! their content.

use std::sync::LazyLock;

use poem::{
    Endpoint, Response,
    http::{StatusCode, header},
};
use sha2::{Digest, Sha256};

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The path it is served at.
    pub path: &'static str,
    pub media_type: &'static str,
    pub content: &'static str,
}

pub const SCRIPT: Asset = Asset {
    path: "/assets/browse.js",
    media_type: "text/javascript; charset=utf-8",
    content: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/browse.js")),
};

pub const STYLE: Asset = Asset {
    path: "/assets/browse.css",
    media_type: "text/css; charset=utf-8",
    content: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/browse.css")),
};

/// A short hash of the assets and of the halshop version: the `v` of the asset URLs and the
/// mark of the HTML variant's ETags, so that a new release invalidates the pages browsers keep.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut digest = Sha256::new();
    for part in [env!("CARGO_PKG_VERSION"), SCRIPT.content, STYLE.content] {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    hex::encode(&digest.finalize()[..4])
});

impl Asset {
    /// Serves the file with a strong ETag of its content and a year of caching.
    pub fn endpoint(&'static self) -> impl Endpoint<Output = Response> {
        let etag = super::super::middleware::body_etag(self.content.as_bytes());
        poem::endpoint::make_sync(move |_| {
            Response::builder()
                .status(StatusCode::OK)
                .content_type(self.media_type)
                .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
                .header(header::ETAG, etag.clone())
                .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
                .body(self.content)
        })
    }
}
