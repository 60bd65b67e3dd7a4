//! The responses of the lending resources.

use poem::{IntoResponse, Response, http::header};
use poem_openapi::{
    ApiResponse,
    payload::{Attachment, AttachmentType},
    registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry},
    types::Type,
};

use super::view::{
    HoldCollection, HoldRepr, LendingLibraryRepr, LendingReportRepr, LibraryOfferCollection,
    LibraryOfferRepr, LicenceCollection, LicenceRepr, LoanCollection, LoanLinkRepr, LoanRepr,
};
use crate::{
    domain::downloads::Download,
    http::hal::{HAL_JSON, HalJson},
};

macro_rules! read_response {
    ($name:ident, $repr:ty, $what:literal) => {
        #[derive(ApiResponse)]
        pub enum $name {
            #[doc = $what]
            #[oai(status = 200)]
            Ok(HalJson<$repr>),
            /// Not modified: the `If-None-Match` ETag is still current.
            #[oai(status = 304)]
            NotModified,
        }
    };
}

read_response!(
    LibraryResponse,
    LendingLibraryRepr,
    "The library, with what it may do."
);
read_response!(OfferResponse, LibraryOfferRepr, "The offer.");
read_response!(
    OffersResponse,
    LibraryOfferCollection,
    "The ebook's licence offers."
);
read_response!(LicenceResponse, LicenceRepr, "The licence.");
read_response!(
    LicencesResponse,
    LicenceCollection,
    "A page of the library's licences."
);
read_response!(LoanResponse, LoanRepr, "The loan, as it stands now.");
read_response!(LoansResponse, LoanCollection, "A page of the library's loans.");
read_response!(HoldResponse, HoldRepr, "The hold, as it stands now.");
read_response!(
    HoldsResponse,
    HoldCollection,
    "A page of the library's holds, in queue order."
);

/// A resource just created.
macro_rules! created_response {
    ($name:ident, $repr:ty, $what:literal) => {
        #[derive(ApiResponse)]
        pub enum $name {
            #[doc = $what]
            #[oai(status = 201)]
            Created(
                HalJson<$repr>,
                /// URL of the new resource.
                #[oai(header = "Location")]
                String,
            ),
        }
    };
}

created_response!(OfferCreatedResponse, LibraryOfferRepr, "The offer was added.");
created_response!(LoanCreatedResponse, LoanRepr, "The copy is lent until `due_at`.");
created_response!(
    HoldCreatedResponse,
    HoldRepr,
    "The patron is queued; `position` 1 is served next."
);

/// A loan or hold just ended.
#[derive(ApiResponse)]
pub enum LoanEndedResponse {
    /// The loan was returned; its copy went back (to the first waiting hold, if any).
    #[oai(status = 200)]
    Ok(HalJson<LoanRepr>),
}

#[derive(ApiResponse)]
pub enum HoldEndedResponse {
    /// The hold was cancelled; a copy set aside for it passed to the next hold.
    #[oai(status = 200)]
    Ok(HalJson<HoldRepr>),
}

#[derive(ApiResponse)]
pub enum LoanLinkResponse {
    /// A new one-time download link, valid 60 seconds.
    #[oai(status = 201)]
    Created(
        HalJson<LoanLinkRepr>,
        /// The link itself.
        #[oai(header = "Location")]
        String,
        /// `no-store`: the link is a credential, which nothing may keep.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum LoanDownloadResponse {
    /// The book, watermarked with the library's name and the patron's id.
    #[oai(status = 200)]
    Ok(Attachment<Vec<u8>>, #[oai(header = "Content-Type")] String),
}

impl LoanDownloadResponse {
    pub fn file(download: Download) -> Self {
        LoanDownloadResponse::Ok(
            Attachment::new(download.bytes)
                .attachment_type(AttachmentType::Attachment)
                .filename(download.filename),
            download.media_type.to_owned(),
        )
    }
}

/// The library's report: HAL by default, CSV when `Accept` prefers `text/csv` or
/// `format=csv` is given.
pub enum LendingReportResponse {
    Hal(LendingReportRepr),
    Csv(String),
}

impl IntoResponse for LendingReportResponse {
    fn into_response(self) -> Response {
        let mut response = match self {
            LendingReportResponse::Hal(repr) => HalJson(repr).into_response(),
            LendingReportResponse::Csv(body) => Response::builder()
                .content_type("text/csv; charset=utf-8")
                .header(
                    header::CONTENT_DISPOSITION,
                    "inline; filename=\"lending-report.csv\"",
                )
                .body(body),
        };
        response
            .headers_mut()
            .append(header::VARY, header::HeaderValue::from_static("Accept"));
        response
    }
}

impl ApiResponse for LendingReportResponse {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The report: `application/hal+json` (default), or `text/csv` (a header row, \
                              one row per title) when `Accept` prefers `text/csv` or `format=csv` is given.",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: HAL_JSON,
                        schema: LendingReportRepr::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: "text/csv",
                        schema: String::schema_ref(),
                    },
                ],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        LendingReportRepr::register(registry);
        let _: MetaSchemaRef = String::schema_ref();
    }
}
