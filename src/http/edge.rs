//! What every request must be before any route sees it: parameters and form fields without
//! control characters (JSON bodies are checked by [`super::json::parse_json`]).

use std::sync::Arc;

use poem::{Body, Endpoint, IntoResponse, Request, Response};

use super::{
    error::{ApiError, FieldError, problems},
    middleware::AllowedMethods,
    text,
};

/// Refuses a control character (or a percent-encoding that is not UTF-8) in a path segment
/// or a query parameter with 400, and a control character in a form field with 422, before
/// any route runs. The body is already read whole (see `limit_body`).
pub async fn refuse_control_characters<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
    routes: Arc<AllowedMethods>,
) -> poem::Result<Response> {
    let path = req.uri().path();
    if let Some((index, message)) = text::bad_path_segment(path) {
        let name = routes
            .parameter_name(path, index)
            .unwrap_or_else(|| "path".to_owned());
        return Ok(ApiError::new(
            &problems::MALFORMED_REQUEST,
            format!("Path parameter `{name}` {message}."),
        )
        .with_errors(vec![FieldError::new(name, message)])
        .into_response());
    }
    if let Some(error) = req.uri().query().and_then(text::bad_query_parameter) {
        return Ok(ApiError::new(
            &problems::MALFORMED_REQUEST,
            format!("Query parameter `{}` {}.", error.path, error.message),
        )
        .with_errors(vec![error])
        .into_response());
    }
    if is_form(&req) {
        let body = req.take_body().into_bytes().await?;
        let errors = text::controls_in_form(&body);
        if !errors.is_empty() {
            return Ok(ApiError::validation(errors).into_response());
        }
        req.set_body(Body::from_bytes(body));
    }
    Ok(ep.call(req).await?.into_response())
}

fn is_form(req: &Request) -> bool {
    req.content_type()
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| mime.essence_str() == "application/x-www-form-urlencoded")
}
