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

/// The storefront at `/shop/`: its page, script and style sheet. They are asked for by
/// plain names, so browsers revalidate them (`no-cache`, with an ETag) instead of keeping them.
pub const SHOP_PAGE: Asset = Asset {
    path: "/shop/",
    media_type: "text/html; charset=utf-8",
    content: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/shop/index.html")),
};

pub const SHOP_SCRIPT: Asset = Asset {
    path: "/shop/shop.js",
    media_type: "text/javascript; charset=utf-8",
    content: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/shop/shop.js")),
};

pub const SHOP_STYLE: Asset = Asset {
    path: "/shop/shop.css",
    media_type: "text/css; charset=utf-8",
    content: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/shop/shop.css")),
};

/// The back office at `/admin/`: its page, scripts and style sheet (it also uses the
/// storefront's style sheet).
pub const ADMIN_PAGE: Asset = Asset {
    path: "/admin/",
    media_type: "text/html; charset=utf-8",
    content: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/admin/index.html")),
};

pub const ADMIN_SCRIPT: Asset = Asset {
    path: "/admin/admin.js",
    media_type: "text/javascript; charset=utf-8",
    content: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/admin/admin.js")),
};

pub const ADMIN_FORMS: Asset = Asset {
    path: "/admin/forms.js",
    media_type: "text/javascript; charset=utf-8",
    content: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/admin/forms.js")),
};

pub const ADMIN_STYLE: Asset = Asset {
    path: "/admin/admin.css",
    media_type: "text/css; charset=utf-8",
    content: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/admin/admin.css")),
};

/// The storefront's `Content-Security-Policy`: its own script and styles, calls to its own
/// origin, nothing else.
const SHOP_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The web apps' routes: the storefront at `/shop/` and the back office at `/admin/` (each
/// also reached without its final slash), with their scripts and styles.
pub fn shop_routes(routes: poem::Route) -> poem::Route {
    let to_shop = poem::endpoint::make_sync(|_| poem::web::Redirect::permanent(SHOP_PAGE.path));
    let to_admin = poem::endpoint::make_sync(|_| poem::web::Redirect::permanent(ADMIN_PAGE.path));
    let mut routes = routes
        .at("/shop", poem::get(to_shop))
        .at("/admin", poem::get(to_admin));
    for asset in [
        &SHOP_PAGE,
        &SHOP_SCRIPT,
        &SHOP_STYLE,
        &ADMIN_PAGE,
        &ADMIN_SCRIPT,
        &ADMIN_FORMS,
        &ADMIN_STYLE,
    ] {
        routes = routes.at(asset.path, poem::get(asset.shop_endpoint()));
    }
    routes
}

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
        self.served("public, max-age=31536000, immutable")
    }

    /// Serves a storefront file: revalidated on every use, under the storefront's policy.
    pub fn shop_endpoint(&'static self) -> impl Endpoint<Output = Response> {
        self.served("no-cache")
    }

    fn served(&'static self, cache_control: &'static str) -> impl Endpoint<Output = Response> {
        let etag = super::super::middleware::body_etag(self.content.as_bytes());
        poem::endpoint::make_sync(move |_| {
            Response::builder()
                .status(StatusCode::OK)
                .content_type(self.media_type)
                .header(header::CACHE_CONTROL, cache_control)
                .header(header::ETAG, etag.clone())
                .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
                .header(header::CONTENT_SECURITY_POLICY, SHOP_POLICY)
                .body(self.content)
        })
    }
}
