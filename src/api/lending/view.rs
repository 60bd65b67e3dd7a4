//! Representations of libraries, library offers, licences, loans, holds and the library's
//! report, built from loaded rows.

use chrono::Utc;
use entity::{library, library_hold, library_offer, licence, loan};
use poem::Request;
use poem_openapi::Object;

use super::super::types::{MoneyRepr, PageLinksRepr, Timestamp};
use crate::{
    domain::{
        downloads::{NewLink, media_type},
        lending::{LicenceStatus, loans::shown_status, reports::TitleRow},
        money::Money,
    },
    http::{
        forms::Templates,
        hal::{Curie, Hal, Link, Paging},
    },
};

fn money(minor: i64, currency: &str) -> MoneyRepr {
    match currency.parse() {
        Ok(currency) => Money::from_minor(minor, currency).into(),
        Err(_) => MoneyRepr {
            amount: minor.to_string(),
            currency: currency.to_owned(),
        },
    }
}

/// Links of a library.
#[derive(Debug, Clone, Object)]
pub struct LendingLibraryLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The licences bought, filterable by product and status.
    #[oai(rename = "shop:licences")]
    pub licences: Link,
    /// The loans, filterable by patron, product and status.
    #[oai(rename = "shop:loans")]
    pub loans: Link,
    /// The holds queues, filterable by patron, product and status.
    #[oai(rename = "shop:holds")]
    pub holds: Link,
    /// Per title: copies, loans this month, holds waiting, licences expiring (HAL or CSV).
    #[oai(rename = "shop:lending_report")]
    pub report: Link,
    /// The catalogue, where each ebook links its `shop:library_offers`.
    #[oai(rename = "shop:products")]
    pub products: Link,
}

/// A library: buys licences of ebooks and lends them to its patrons.
#[derive(Debug, Clone, Object)]
pub struct LendingLibraryRepr {
    #[oai(rename = "_links")]
    pub links: LendingLibraryLinks,
    pub uid: String,
    pub name: String,
    pub created_at: Timestamp,
    /// HAL-FORMS: `borrow`, `place_hold`, `buy_licences`.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

impl LendingLibraryRepr {
    pub fn new(hal: &Hal, library: &library::Model, self_link: Link, templates: Option<Templates>) -> Self {
        let path = format!("/libraries/{}", library.uid);
        LendingLibraryRepr {
            links: LendingLibraryLinks {
                self_link,
                curies: hal.curies(),
                licences: hal.templated(&format!("{path}/licences{{?product,status,page,page_size}}")),
                loans: hal.templated(&format!(
                    "{path}/loans{{?patron_id,product,status,page,page_size}}"
                )),
                holds: hal.templated(&format!(
                    "{path}/holds{{?patron_id,product,status,page,page_size}}"
                )),
                report: hal.templated(&format!("{path}/report{{?format}}")),
                products: hal.templated("/products{?q,isbn,format,kind,available,page,page_size}"),
            },
            uid: library.uid.clone(),
            name: library.name.clone(),
            created_at: library.created_at.into(),
            templates,
        }
    }
}

/// Links of a library offer.
#[derive(Debug, Clone, Object)]
pub struct LibraryOfferLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The ebook offered.
    #[oai(rename = "shop:product")]
    pub product: Link,
}

/// A licence a merchant offers libraries for an ebook: its price per copy and its terms.
#[derive(Debug, Clone, Object)]
pub struct LibraryOfferRepr {
    #[oai(rename = "_links")]
    pub links: LibraryOfferLinks,
    pub uid: String,
    /// The price of one copy.
    pub price: MoneyRepr,
    /// How many patrons may have the copy at once.
    pub max_concurrent_loans: i32,
    /// How many loans the copy makes in all; `null`: unlimited.
    #[oai(nullable)]
    pub max_total_loans: Option<i32>,
    /// How long the licence lasts from its purchase; `null`: perpetual.
    #[oai(nullable)]
    pub valid_months: Option<i32>,
    /// The longest loan, in days.
    pub max_loan_days: i32,
    pub created_at: Timestamp,
}

impl LibraryOfferRepr {
    pub fn new(hal: &Hal, offer: &library_offer::Model, product_uid: &str) -> Self {
        LibraryOfferRepr {
            links: LibraryOfferLinks {
                self_link: hal.link(&format!("/library_offers/{}", offer.uid)),
                curies: hal.curies(),
                product: hal.link(&format!("/products/{product_uid}")),
            },
            uid: offer.uid.clone(),
            price: money(offer.price_minor, &offer.currency),
            max_concurrent_loans: offer.max_concurrent_loans,
            max_total_loans: offer.max_total_loans,
            valid_months: offer.valid_months,
            max_loan_days: offer.max_loan_days,
            created_at: offer.created_at.into(),
        }
    }
}

/// Links of a product's offers.
#[derive(Debug, Clone, Object)]
pub struct LibraryOffersLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:product")]
    pub product: Link,
}

#[derive(Debug, Clone, Object)]
pub struct LibraryOffersEmbedded {
    #[oai(rename = "shop:library_offers")]
    pub offers: Vec<LibraryOfferRepr>,
}

/// The licence offers of an ebook.
#[derive(Debug, Clone, Object)]
pub struct LibraryOfferCollection {
    #[oai(rename = "_links")]
    pub links: LibraryOffersLinks,
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: LibraryOffersEmbedded,
    /// HAL-FORMS: `create`, for the product's merchant.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

/// Links of a licence.
#[derive(Debug, Clone, Object)]
pub struct LicenceLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:product")]
    pub product: Link,
    #[oai(rename = "shop:lending_library")]
    pub library: Link,
    /// The order that bought it.
    #[oai(rename = "shop:order")]
    pub order: Link,
    #[oai(rename = "shop:library_offer")]
    pub offer: Link,
}

/// One copy a library bought, with the terms it was sold under and its use.
#[derive(Debug, Clone, Object)]
pub struct LicenceRepr {
    #[oai(rename = "_links")]
    pub links: LicenceLinks,
    pub uid: String,
    /// `active` (can lend), `exhausted` (every loan made) or `expired` (past `expires_at`).
    pub status: String,
    /// What the copy cost.
    pub price: MoneyRepr,
    pub max_concurrent_loans: i32,
    #[oai(nullable)]
    pub max_total_loans: Option<i32>,
    #[oai(nullable)]
    pub valid_months: Option<i32>,
    pub max_loan_days: i32,
    /// Loans made so far.
    pub loans_used: i32,
    /// Loans running now.
    pub active_loans: i32,
    /// Copies set aside for patrons whose hold is ready.
    pub held_copies: i32,
    /// `null`: perpetual.
    #[oai(nullable)]
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// What a licence's links point at besides itself.
pub struct LicenceSubjects<'a> {
    pub library_uid: &'a str,
    pub product_uid: &'a str,
    pub order_uid: &'a str,
    pub offer_uid: &'a str,
}

impl LicenceRepr {
    pub fn new(hal: &Hal, licence: &licence::Model, on: &LicenceSubjects<'_>) -> Self {
        LicenceRepr {
            links: LicenceLinks {
                self_link: hal.link(&format!("/licences/{}", licence.uid)),
                curies: hal.curies(),
                product: hal.link(&format!("/products/{}", on.product_uid)),
                library: hal.link(&format!("/libraries/{}", on.library_uid)),
                order: hal.link(&format!("/orders/{}", on.order_uid)),
                offer: hal.link(&format!("/library_offers/{}", on.offer_uid)),
            },
            uid: licence.uid.clone(),
            status: LicenceStatus::of(licence, Utc::now()).as_str().into(),
            price: money(licence.price_minor, &licence.currency),
            max_concurrent_loans: licence.max_concurrent_loans,
            max_total_loans: licence.max_total_loans,
            valid_months: licence.valid_months,
            max_loan_days: licence.max_loan_days,
            loans_used: licence.loans_used,
            active_loans: licence.active_loans,
            held_copies: licence.held_copies,
            expires_at: licence.expires_at.map(Into::into),
            created_at: licence.created_at.into(),
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct LicencesEmbedded {
    #[oai(rename = "shop:licences")]
    pub licences: Vec<LicenceRepr>,
}

/// A page of the library's licences.
#[derive(Debug, Clone, Object)]
pub struct LicenceCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    pub item_count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: LicencesEmbedded,
}

impl LicenceCollection {
    pub fn new(
        hal: &Hal,
        req: &Request,
        paging: Paging,
        library_uid: &str,
        items: Vec<LicenceRepr>,
        count: u64,
    ) -> Self {
        let search = hal.templated(&format!(
            "/libraries/{library_uid}/licences{{?product,status,page,page_size}}"
        ));
        LicenceCollection {
            links: PageLinksRepr::new(hal, req, paging, count, search),
            item_count: count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: LicencesEmbedded { licences: items },
        }
    }
}

/// Links of a loan.
#[derive(Debug, Clone, Object)]
pub struct LoanLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:product")]
    pub product: Link,
    #[oai(rename = "shop:licence")]
    pub licence: Link,
    #[oai(rename = "shop:lending_library")]
    pub library: Link,
    /// POST here for a 60-second download link, while the loan runs.
    #[oai(rename = "shop:download_links", skip_serializing_if_is_none)]
    pub download_links: Option<Link>,
}

/// A copy lent to a patron.
#[derive(Debug, Clone, Object)]
pub struct LoanRepr {
    #[oai(rename = "_links")]
    pub links: LoanLinks,
    pub uid: String,
    /// `active`, `returned` or `expired` (a loan past `due_at` expires by itself).
    pub status: String,
    /// The library's own identifier of the patron.
    pub patron_id: String,
    pub created_at: Timestamp,
    pub due_at: Timestamp,
    /// When it was returned or ran out.
    #[oai(skip_serializing_if_is_none)]
    pub ended_at: Option<Timestamp>,
    /// When the book was first downloaded.
    #[oai(skip_serializing_if_is_none)]
    pub downloaded_at: Option<Timestamp>,
    /// HAL-FORMS: `return` and `download`, while the loan runs.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

impl LoanRepr {
    pub fn new(
        hal: &Hal,
        loan: &loan::Model,
        uids: (&str, &str, &str),
        templates: Option<Templates>,
    ) -> Self {
        let (library_uid, product_uid, licence_uid) = uids;
        let status = shown_status(loan, Utc::now());
        let running = status == crate::domain::status::LoanStatus::Active;
        LoanRepr {
            links: LoanLinks {
                self_link: hal.link(&format!("/loans/{}", loan.uid)),
                curies: hal.curies(),
                product: hal.link(&format!("/products/{product_uid}")),
                licence: hal.link(&format!("/licences/{licence_uid}")),
                library: hal.link(&format!("/libraries/{library_uid}")),
                download_links: running.then(|| hal.link(&format!("/loans/{}/download_links", loan.uid))),
            },
            uid: loan.uid.clone(),
            status: status.as_str().into(),
            patron_id: loan.patron_id.clone(),
            created_at: loan.created_at.into(),
            due_at: loan.due_at.into(),
            ended_at: match running {
                true => None,
                false => Some(loan.ended_at.unwrap_or(loan.due_at).into()),
            },
            downloaded_at: loan.downloaded_at.map(Into::into),
            templates: templates.filter(|_| running),
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct LoansEmbedded {
    #[oai(rename = "shop:loans")]
    pub loans: Vec<LoanRepr>,
}

/// A page of the library's loans, newest first.
#[derive(Debug, Clone, Object)]
pub struct LoanCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    pub item_count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: LoansEmbedded,
    /// HAL-FORMS: `borrow`.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

/// Links of a hold.
#[derive(Debug, Clone, Object)]
pub struct HoldLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:product")]
    pub product: Link,
    #[oai(rename = "shop:lending_library")]
    pub library: Link,
}

/// A patron waiting for a copy of a title.
#[derive(Debug, Clone, Object)]
pub struct HoldRepr {
    #[oai(rename = "_links")]
    pub links: HoldLinks,
    pub uid: String,
    /// `waiting`, `ready` (a copy is set aside until `offer_expires_at`), `borrowed`,
    /// `lapsed` (not borrowed in time) or `cancelled`.
    pub status: String,
    pub patron_id: String,
    /// Place in the queue while waiting: 1 is served next.
    #[oai(skip_serializing_if_is_none)]
    pub position: Option<u64>,
    pub created_at: Timestamp,
    #[oai(skip_serializing_if_is_none)]
    pub ready_at: Option<Timestamp>,
    /// Until when the copy set aside waits for this patron.
    #[oai(skip_serializing_if_is_none)]
    pub offer_expires_at: Option<Timestamp>,
    #[oai(skip_serializing_if_is_none)]
    pub closed_at: Option<Timestamp>,
    /// HAL-FORMS: `borrow` (when ready) and `cancel` (while open).
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

impl HoldRepr {
    pub fn new(
        hal: &Hal,
        hold: &library_hold::Model,
        uids: (&str, &str),
        position: Option<u64>,
        templates: Option<Templates>,
    ) -> Self {
        let (library_uid, product_uid) = uids;
        HoldRepr {
            links: HoldLinks {
                self_link: hal.link(&format!("/holds/{}", hold.uid)),
                curies: hal.curies(),
                product: hal.link(&format!("/products/{product_uid}")),
                library: hal.link(&format!("/libraries/{library_uid}")),
            },
            uid: hold.uid.clone(),
            status: hold.status.clone(),
            patron_id: hold.patron_id.clone(),
            position,
            created_at: hold.created_at.into(),
            ready_at: hold.ready_at.map(Into::into),
            offer_expires_at: hold.offer_expires_at.map(Into::into),
            closed_at: hold.closed_at.map(Into::into),
            templates,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct HoldsEmbedded {
    #[oai(rename = "shop:holds")]
    pub holds: Vec<HoldRepr>,
}

/// A page of the library's holds, in queue order.
#[derive(Debug, Clone, Object)]
pub struct HoldCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    pub item_count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: HoldsEmbedded,
    /// HAL-FORMS: `place_hold`.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

/// One title of the library's report.
#[derive(Debug, Clone, Object)]
pub struct ReportTitleRepr {
    /// URI of the product.
    pub product: String,
    pub title: String,
    #[oai(skip_serializing_if_is_none)]
    pub isbn: Option<String>,
    /// Licences bought.
    pub copies: u64,
    /// Licences that can still lend.
    pub usable_copies: u64,
    pub active_loans: u64,
    /// Loans made since the first of this month (UTC).
    pub loans_this_month: u64,
    pub holds_waiting: u64,
    /// Usable licences expiring within 30 days.
    pub licences_expiring_in_30_days: u64,
}

impl ReportTitleRepr {
    pub fn new(hal: &Hal, row: &TitleRow) -> Self {
        ReportTitleRepr {
            product: hal.href(&format!("/products/{}", row.product.uid)),
            title: row.product.title.clone(),
            isbn: row.product.isbn.clone(),
            copies: row.copies,
            usable_copies: row.usable_copies,
            active_loans: row.active_loans,
            loans_this_month: row.loans_this_month,
            holds_waiting: row.holds_waiting,
            licences_expiring_in_30_days: row.expiring_in_30_days,
        }
    }
}

/// Links of the library's report.
#[derive(Debug, Clone, Object)]
pub struct LendingReportLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:lending_library")]
    pub library: Link,
    /// The same report as CSV.
    pub alternate: Link,
}

/// The library's report, per title.
#[derive(Debug, Clone, Object)]
pub struct LendingReportRepr {
    #[oai(rename = "_links")]
    pub links: LendingReportLinks,
    pub generated_at: Timestamp,
    /// One entry per title the library holds licences of, by title.
    pub titles: Vec<ReportTitleRepr>,
}

/// Links of a loan's download link.
#[derive(Debug, Clone, Object)]
pub struct LoanLinkLinks {
    pub curies: Vec<Curie>,
    /// The book: GET it once, within 60 seconds.
    pub download: Link,
    #[oai(rename = "shop:loan")]
    pub loan: Link,
}

/// A one-time download link of a loan.
#[derive(Debug, Clone, Object)]
pub struct LoanLinkRepr {
    #[oai(rename = "_links")]
    pub links: LoanLinkLinks,
    /// The link: works once, until `expires_at` (and only while the loan runs).
    pub href: String,
    pub expires_at: Timestamp,
}

impl LoanLinkRepr {
    pub fn new(hal: &Hal, loan: &loan::Model, format: &str, link: &NewLink) -> Self {
        let path = format!("/loan_downloads/{}", link.token);
        LoanLinkRepr {
            links: LoanLinkLinks {
                curies: hal.curies(),
                download: Hal::link_to(hal.url(&path)).with_type(media_type(format)),
                loan: hal.link(&format!("/loans/{}", loan.uid)),
            },
            href: hal.href(&path),
            expires_at: link.expires_at.into(),
        }
    }
}
