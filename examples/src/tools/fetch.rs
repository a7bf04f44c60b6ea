//! `fetch_url`: a real HTTP client (reqwest over rustls), with a scheme check, the call's
//! deadline as the request timeout, status errors, and the body cut at a char boundary.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use tool_runtime::{CallContext, tool};

use super::cut::cut_chars;

/// How many characters `fetch_url` returns unless asked otherwise.
pub const DEFAULT_MAX_CHARS: usize = 2_000;
/// The most characters `fetch_url` returns.
pub const MAX_CHARS: usize = 100_000;

/// The HTTP client the tool uses, shared by all calls (it pools connections).
#[derive(Clone, Debug)]
pub struct HttpClient(reqwest::Client);

impl HttpClient {
    /// A client with rustls (ring) for https, following up to five redirects.
    pub fn new() -> Result<Self, reqwest::Error> {
        // Installing the provider twice is harmless: the second attempt is refused.
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .user_agent(concat!("tool-runtime-examples/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map(HttpClient)
    }

    /// The reqwest client, for other requests that should share its connections.
    pub fn client(&self) -> &reqwest::Client {
        &self.0
    }
}

/// Why a page could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL did not parse.
    #[error(
        "{url:?} is not a valid URL ({reason}); give an absolute URL such as https://example.com/page"
    )]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why it did not parse.
        reason: String,
    },
    /// The scheme is not http or https.
    #[error("only http and https URLs can be fetched, not {0}:")]
    UnsupportedScheme(String),
    /// `max_chars` was out of range.
    #[error("max_chars must be between 1 and {MAX_CHARS}, not {0}")]
    BadLimit(usize),
    /// The request failed before a response came.
    #[error("could not fetch {url}: {reason}")]
    Request {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("{url} answered {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status line, as `404 Not Found`.
        status: String,
    },
    /// The body is not text.
    #[error("{url} returned {content_type}, which is not text")]
    NotText {
        /// The URL.
        url: String,
        /// Its content type.
        content_type: String,
    },
}

/// Fetch a web page over http or https and return the start of its body as text.
///
/// # Arguments
/// * `url` - absolute http or https URL
/// * `max_chars` - how many characters of the body to return (default 2000, at most 100000)
#[tool(timeout = "10s", read_only, open_world)]
pub async fn fetch_url(
    url: String,
    max_chars: Option<usize>,
    #[state] http: &HttpClient,
    cx: &CallContext,
) -> Result<String, FetchError> {
    let max_chars = max_chars.unwrap_or(DEFAULT_MAX_CHARS);
    if max_chars == 0 || max_chars > MAX_CHARS {
        return Err(FetchError::BadLimit(max_chars));
    }
    let parsed = reqwest::Url::parse(&url).map_err(|e| FetchError::InvalidUrl {
        url: url.clone(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::UnsupportedScheme(parsed.scheme().to_owned()));
    }
    let request_failed = |e: reqwest::Error| FetchError::Request {
        url: url.clone(),
        reason: describe(&e),
    };
    let mut request = http.0.get(parsed.clone());
    // Stop the request ourselves just before the runtime gives up on the call.
    if let Some(remaining) = cx.remaining() {
        request = request.timeout(remaining.saturating_sub(Duration::from_millis(50)));
    }
    let mut response = request.send().await.map_err(request_failed)?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            url,
            status: status.to_string(),
        });
    }
    if let Some(content_type) = response.headers().get(CONTENT_TYPE) {
        let content_type = content_type
            .to_str()
            .unwrap_or("an unreadable content type");
        if !is_text(content_type) {
            return Err(FetchError::NotText {
                url,
                content_type: content_type.to_owned(),
            });
        }
    }
    // Read no more than the characters asked for can take (four bytes each at most).
    let byte_budget = max_chars.saturating_mul(4);
    let announced = response.content_length();
    let mut body = Vec::new();
    let mut more = false;
    while let Some(chunk) = response.chunk().await.map_err(request_failed)? {
        body.extend_from_slice(&chunk);
        if body.len() >= byte_budget {
            more = announced.is_none_or(|length| length > body.len() as u64);
            break;
        }
    }
    let text = String::from_utf8_lossy(&body);
    Ok(cut_chars(&text, max_chars, more))
}

fn is_text(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.starts_with("text/")
        || matches!(
            essence,
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/xhtml+xml"
        )
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
}

/// reqwest's error with its causes, which hold the useful part ("connection refused").
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "the request timed out".to_owned();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
