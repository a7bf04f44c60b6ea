//! CORS, for MCP clients in browser pages: the answer to a browser's preflight, and the headers
//! that let a page read an answer. MCP itself answers the pages of the origins
//! [`McpHttpService`] lets in; the OAuth metadata, a public document, any page.
//!
//! [`McpHttpService`]: super::McpHttpService

use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, VARY,
};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use http_body_util::{BodyExt, Full};

use super::service::HttpResponse;

/// The methods of MCP's streamable HTTP.
pub(super) const MCP_METHODS: &str = "GET, POST, DELETE";

/// The answer's headers a page's MCP client reads: the session's id, the revision, and the
/// challenge of a 401 (which OAuth clients follow).
const EXPOSED: &str = "mcp-session-id, mcp-protocol-version, www-authenticate";

/// `Access-Control-Allow-Origin` for a public document: any page may read it.
pub(super) const ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");

/// How long a browser may keep a preflight's answer, in seconds (Chromium keeps at most 2 h).
const MAX_AGE: &str = "7200";

/// The answer to the preflight a browser sends before a page at `origin` (or `*`: any) may make
/// a request of its own: 204, allowing `methods` and the headers the browser asks for (the
/// request that follows is checked as any other, token included; a preflight never carries
/// one).
pub(super) fn preflight(
    origin: HeaderValue,
    methods: &'static str,
    request: &HeaderMap,
) -> HttpResponse {
    let mut response = Response::new(Full::default().boxed());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(methods),
    );
    if let Some(asked) = request.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    headers.insert(
        VARY,
        HeaderValue::from_static(
            "origin, access-control-request-method, access-control-request-headers",
        ),
    );
    response
}

/// Lets the page at `origin` read `response`, and the headers of it that MCP clients use.
pub(super) fn allow(response: &mut HttpResponse, origin: HeaderValue) {
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED),
    );
    headers.append(VARY, HeaderValue::from_static("origin"));
}

/// Lets a page of any origin read `response`, a public document.
pub(super) fn allow_any(response: &mut HttpResponse) {
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
}
