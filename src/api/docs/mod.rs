//! Human documentation served by the API itself: a page per `shop:` relation (the target of
//! the `shop` curie) and a page per problem type (the `type` of every problem).

mod page;
mod rels;

pub use rels::{Example, Forms, Rel, Template, all as all_rels};

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Html};

use self::page::{index_list, page, rel_body};
use super::ApiTags;
use crate::{
    http::{
        error::{ApiError, Problems, problems},
        hal::Hal,
        html::escape,
    },
    problem_set,
    state::SharedState,
};

#[derive(ApiResponse)]
pub enum HtmlResponse {
    /// The documentation page.
    #[oai(status = 200)]
    Ok(Html<String>),
}

problem_set!(
    /// Errors of the documentation indexes.
    DocIndexProblems:
    405 => "`method_not_allowed`."
);

/// The index of the relations: every `shop:` relation with its summary, linking its page.
pub fn rels_index(hal: &Hal) -> String {
    let list = index_list(rels::all().map(|rel| {
        (
            hal.href(&format!("/rels/{}", rel.name)),
            format!("shop:{}", rel.name),
            rel.summary,
        )
    }));
    let body = format!("<h1>Link relations</h1><p>The relations of the <code>shop</code> curie.</p>{list}");
    page("Link relations", &body)
}

/// The index of the problem types: every code with its title, linking its page.
pub fn problems_index(hal: &Hal) -> String {
    let list = index_list(problems::ALL.iter().map(|problem| {
        let href = hal.href(&format!("/problems/{}", problem.code));
        (href, problem.code.to_owned(), problem.title)
    }));
    let body =
        format!("<h1>Problem types</h1><p>The <code>code</code> of every problem+json error.</p>{list}");
    page("Problem types", &body)
}

problem_set!(
    /// Errors of documentation pages.
    DocProblems:
    404 => "`not_found`: no such relation or problem type.",
    405 => "`method_not_allowed`."
);

#[derive(Default)]
pub struct DocsApi;

#[OpenApi(tag = "ApiTags::Documentation")]
impl DocsApi {
    /// List the link relations
    ///
    /// Also served at `/rels/` (the `shop` curie with an empty relation). Every `shop:` relation the API emits, each with a one-line summary and a link to
    /// its page (what it points to, the methods it accepts, the authentication it needs).
    #[oai(path = "/rels", method = "get", operation_id = "list_rels")]
    async fn rels(&self, state: Data<&SharedState>) -> Result<HtmlResponse, Problems<DocIndexProblems>> {
        Ok(HtmlResponse::Ok(Html(rels_index(&state.hal))))
    }

    /// List the problem types
    ///
    /// Also served at `/problems/`. Every problem `code` the API answers with, each with its title and a link to its page
    /// (the `type` of a problem+json error).
    #[oai(path = "/problems", method = "get", operation_id = "list_problem_types")]
    async fn problems(&self, state: Data<&SharedState>) -> Result<HtmlResponse, Problems<DocIndexProblems>> {
        Ok(HtmlResponse::Ok(Html(problems_index(&state.hal))))
    }

    /// Document a link relation
    ///
    /// The page a `shop:<rel>` curie expands to: what the relation points to, the methods
    /// it accepts, the authentication it needs, the HAL-FORMS templates found at its target,
    /// and an example request with its response.
    #[oai(path = "/rels/:rel", method = "get", operation_id = "get_rel")]
    async fn rel(&self, rel: Path<String>) -> Result<HtmlResponse, Problems<DocProblems>> {
        let rel = rels::all()
            .find(|r| r.name == rel.0)
            .ok_or_else(|| ApiError::not_found(format!("No relation shop:{} is documented.", rel.0)))?;
        Ok(HtmlResponse::Ok(Html(page(
            &format!("shop:{}", rel.name),
            &rel_body(rel),
        ))))
    }

    /// Document a problem type
    ///
    /// The page the `type` of a problem+json error points to.
    #[oai(path = "/problems/:code", method = "get", operation_id = "get_problem_type")]
    async fn problem(&self, code: Path<String>) -> Result<HtmlResponse, Problems<DocProblems>> {
        let problem = problems::by_code(&code.0)
            .ok_or_else(|| ApiError::not_found(format!("No problem type {:?} exists.", code.0)))?;
        let body = format!(
            "<h1>{title}</h1><p>HTTP status <strong>{status}</strong>, code <code>{code}</code>.</p><p>{description}</p>",
            title = escape(problem.title),
            status = problem.status,
            code = escape(problem.code),
            description = escape(problem.description),
        );
        Ok(HtmlResponse::Ok(Html(page(problem.title, &body))))
    }
}
