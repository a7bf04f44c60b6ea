//! [`McpHttpService`]: rmcp's streamable HTTP service behind the checks a server on a network
//! needs (origin, bearer token, body size, sessions bound to their identity), as a tower
//! service to serve with [`HttpServer`](super::HttpServer) or to mount in a web app.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::{self, Display};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use rmcp::ErrorData;
use rmcp::model::{CustomRequest, ProtocolVersion};
use rmcp::transport::StreamableHttpService;
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use serde_json::json;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::auth::{BearerAuth, Identity};
use super::{McpServer, cors, handler};
use crate::BoxFuture;

/// The responses of [`McpHttpService`].
pub type HttpResponse = Response<BoxBody<Bytes, Infallible>>;

const SESSION_HEADER: &str = "mcp-session-id";

/// An [`McpServer`] as a tower service answering MCP's streamable HTTP (every protocol
/// revision from 2025-03-26 on), for a path of your own web app; [`HttpServer`] serves one on
/// a port of its own. Build it with [`HttpServer::builder`] and
/// [`HttpServerBuilder::into_service`], which apply the same checks as a server:
///
/// - a request from a browser page (with an `Origin` header) is refused with 403 unless the
///   origin is on this machine or in [`allowed_origins`](super::HttpServerBuilder::allowed_origins);
///   pages of those origins get CORS answers: their browser's preflight is answered (before
///   any token is asked for: a preflight carries none), and every answer lets the page read it
///   and its `Mcp-Session-Id`, `Mcp-Protocol-Version` and `WWW-Authenticate` headers;
/// - with bearer tokens configured, a request without an accepted token gets 401 with a
///   `WWW-Authenticate` header;
/// - a body larger than [`max_body_bytes`](super::HttpServerBuilder::max_body_bytes) is refused
///   before it is read, when its length is announced, and as it is read otherwise; a body that
///   has not arrived whole within [`body_read_timeout`](super::HttpServerBuilder::body_read_timeout)
///   is refused with 408, and its connection closed; a JSON body that is not one JSON-RPC
///   message gets 400 with JSON-RPC's code for it (-32700 not JSON, -32600 not a request);
/// - a session belongs to the identity that created it: any other gets 404, as does a
///   session that is unknown, ended or deleted (`DELETE` of a live session answers 204); beyond
///   [`max_sessions`](super::HttpServerBuilder::max_sessions), the session idle for longest ends;
///   the calls of a session still running when it ends, either way, are cancelled then;
/// - with [`stateless`](super::HttpServerBuilder::stateless), there are no sessions: every
///   request is served on its own, and a session id a request names is not looked at;
/// - every refusal, these and rmcp's own, has a JSON-RPC error as its body, saying what to do.
///
/// It is cheap to clone: clones share their sessions.
///
/// ```
/// use tool_runtime::mcp::{HttpServer, McpServer};
/// use tool_runtime::Toolbox;
///
/// let toolbox = Toolbox::builder().build().unwrap();
/// let mcp = HttpServer::builder(McpServer::new(toolbox))
///     .bearer_tokens(["a-long-random-secret"])
///     .allowed_hosts(["tools.example.com"])
///     .into_service();
/// // With axum: axum::Router::new().nest_service("/mcp", mcp)
/// # let _ = mcp;
/// ```
///
/// [`HttpServer`]: super::HttpServer
/// [`HttpServer::builder`]: super::HttpServer::builder
/// [`HttpServerBuilder::into_service`]: super::HttpServerBuilder::into_service
#[derive(Clone)]
pub struct McpHttpService {
    inner: StreamableHttpService<McpServer, LocalSessionManager>,
    manager: Arc<LocalSessionManager>,
    checks: Arc<Checks>,
}

/// What [`McpHttpService`] checks before rmcp sees a request.
#[derive(Debug)]
pub(super) struct Checks {
    pub(super) auth: Option<BearerAuth>,
    /// Browser origins allowed besides those of this machine, as `scheme://host[:port]`.
    pub(super) allowed_origins: Vec<String>,
    pub(super) max_body_bytes: usize,
    pub(super) body_read_timeout: Duration,
    pub(super) max_sessions: usize,
    /// No sessions: rmcp serves every request on its own.
    pub(super) stateless: bool,
    pub(super) sessions: Arc<Sessions>,
}

/// The live sessions, by id. Shared with the sessions' [`McpServer`]s, whose calls end with
/// their session.
#[derive(Debug)]
pub(super) struct Sessions {
    live: Mutex<HashMap<String, Session>>,
    /// What every session's token is a child of: the server's own.
    stop: CancellationToken,
}

/// Who a live session belongs to, when it was last used, and the token its calls are
/// cancelled with when it ends: deleted, or ended by the session cap. (rmcp would let them run
/// on for 5 s.)
#[derive(Debug)]
struct Session {
    identity: Option<Identity>,
    used: Instant,
    stop: CancellationToken,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Sessions {
    pub(super) fn new(stop: CancellationToken) -> Self {
        Sessions {
            live: Mutex::default(),
            stop,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        // The map stays consistent whatever panicked while it was held.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The token that ends the calls of the live session a request names in its
    /// `Mcp-Session-Id` header.
    pub(super) fn stop_of(&self, request: &http::request::Parts) -> Option<CancellationToken> {
        let id = request.headers.get(SESSION_HEADER)?.to_str().ok()?;
        Some(self.lock().get(id)?.stop.clone())
    }
}

impl McpHttpService {
    pub(super) fn new(
        inner: StreamableHttpService<McpServer, LocalSessionManager>,
        manager: Arc<LocalSessionManager>,
        checks: Checks,
    ) -> Self {
        McpHttpService {
            inner,
            manager,
            checks: Arc::new(checks),
        }
    }

    /// Answers one request.
    pub async fn handle<B>(&self, request: Request<B>) -> HttpResponse
    where
        B: Body + Send + 'static,
        B::Data: Send + 'static,
        B::Error: Display,
    {
        let Some(origin) = request.headers().get(header::ORIGIN).cloned() else {
            return self.answer(request).await;
        };
        if !self.checks.origin_allowed(&origin) {
            tracing::warn!(?origin, "an MCP request from a browser origin was refused");
            return refusal(
                StatusCode::FORBIDDEN,
                "this origin may not use the MCP server; serve the page from an allowed origin",
            );
        }
        if request.method() == Method::OPTIONS {
            return cors::preflight(origin, cors::MCP_METHODS, request.headers());
        }
        let mut response = self.answer(request).await;
        cors::allow(&mut response, origin);
        response
    }

    /// Answers a request from a client, or from a page of an allowed origin.
    async fn answer<B>(&self, request: Request<B>) -> HttpResponse
    where
        B: Body + Send + 'static,
        B::Data: Send + 'static,
        B::Error: Display,
    {
        let checks = &*self.checks;
        let announced = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
        if announced.is_some_and(|length| length > checks.max_body_bytes as u64) {
            return too_large(checks.max_body_bytes);
        }
        let mut identity = None;
        if let Some(auth) = &checks.auth {
            let mut authorizations = request.headers().get_all(header::AUTHORIZATION).iter();
            let authorization = authorizations.next();
            if authorizations.next().is_some() {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    "the request has two Authorization headers; send one, with one bearer token",
                );
            }
            identity = auth
                .identity(authorization.map(HeaderValue::as_bytes))
                .await;
            if identity.is_none() {
                let mut response = refusal(
                    StatusCode::UNAUTHORIZED,
                    "a valid bearer token is required; send it as `Authorization: Bearer TOKEN`",
                );
                let challenge = auth.challenge(authorization.is_some());
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, value);
                }
                return response;
            }
        }
        let session = request
            .headers()
            .get(SESSION_HEADER)
            .and_then(|id| id.to_str().ok())
            .map(str::to_owned);
        if let Some(id) = &session
            && !checks.stateless
            && !self
                .session_is_usable(id, &identity, request.method())
                .await
        {
            return refusal(
                StatusCode::NOT_FOUND,
                "this session does not exist or has ended; start a new one with initialize",
            );
        }
        let (parts, body) = request.into_parts();
        let body = match self.read_body(body).await {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        let deleting = parts.method == Method::DELETE;
        let json = is_one_of(
            parts.headers.get(header::CONTENT_TYPE),
            &["application/json"],
        );
        let request = Request::from_parts(parts, Full::new(body.clone()));
        let mut response = self.inner.handle(request).await;
        let failed = response.status().is_client_error() || response.status().is_server_error();
        let content_type = response.headers().get(header::CONTENT_TYPE);
        if failed && !is_one_of(content_type, &["application/json", "text/event-stream"]) {
            return as_json_rpc(response, &body, json).await;
        }
        match (session, response.headers().get(SESSION_HEADER)) {
            (Some(id), _) if deleting && response.status().is_success() => {
                checks.sessions.lock().remove(&id);
                // rmcp answers 202, which clients take for a failure: the session is gone.
                *response.status_mut() = StatusCode::NO_CONTENT;
            }
            (None, Some(created)) => {
                if let Ok(created) = created.to_str() {
                    self.bind_session(created.to_owned(), identity).await;
                }
            }
            _ => {}
        }
        response
    }

    /// Reads the request's body whole, within the size and time limits, so that a client that
    /// never finishes sending one holds nothing for long.
    async fn read_body<B>(&self, body: B) -> Result<Bytes, HttpResponse>
    where
        B: Body,
        B::Error: Display,
    {
        let checks = &*self.checks;
        let body = Limited::new(
            body.map_err(|error| error.to_string()),
            checks.max_body_bytes,
        );
        match tokio::time::timeout(checks.body_read_timeout, body.collect()).await {
            Ok(Ok(body)) => Ok(body.to_bytes()),
            Ok(Err(error)) if error.is::<LengthLimitError>() => {
                Err(too_large(checks.max_body_bytes))
            }
            Ok(Err(error)) => {
                let message = format!("the request's body could not be read: {error}");
                Err(refusal(StatusCode::BAD_REQUEST, &message))
            }
            Err(_) => {
                let message = format!(
                    "the request's body did not arrive within {} s; send it whole, at once",
                    checks.body_read_timeout.as_secs_f64()
                );
                Err(refusal(StatusCode::REQUEST_TIMEOUT, &message))
            }
        }
    }

    /// Whether session `id` is live and belongs to `identity` (then it is marked used).
    async fn session_is_usable(
        &self,
        id: &str,
        identity: &Option<Identity>,
        method: &Method,
    ) -> bool {
        let known = match self.checks.sessions.lock().get_mut(id) {
            Some(session) if session.identity == *identity => {
                session.used = Instant::now();
                true
            }
            _ => false,
        };
        // rmcp ends idle sessions on its own; a DELETE must not be accepted for one.
        if known && method == Method::DELETE {
            let live = self.manager.has_session(&id.into()).await.unwrap_or(false);
            if !live {
                self.checks.sessions.lock().remove(id);
            }
            return live;
        }
        known
    }

    /// Records that `identity` created session `id`; beyond the cap, ends the session idle for
    /// longest. A session rmcp has ended on its own has been idle since, so it goes first, and
    /// then only our record of it goes.
    async fn bind_session(&self, id: String, identity: Option<Identity>) {
        let oldest = {
            let mut sessions = self.checks.sessions.lock();
            let stop = self.checks.sessions.stop.child_token();
            sessions.insert(
                id,
                Session {
                    identity,
                    used: Instant::now(),
                    stop,
                },
            );
            if sessions.len() <= self.checks.max_sessions {
                return;
            }
            let oldest = sessions
                .iter()
                .min_by_key(|(_, session)| session.used)
                .map(|(id, _)| id.clone());
            oldest.inspect(|id| {
                sessions.remove(id);
            })
        };
        let Some(oldest) = oldest else { return };
        let oldest = oldest.into();
        if self.manager.has_session(&oldest).await.unwrap_or(false) {
            tracing::info!(session = %oldest, "too many MCP sessions: the one idle for longest ends");
            if let Err(error) = self.manager.close_session(&oldest).await {
                tracing::warn!(%error, "an MCP session could not be ended");
            }
        }
    }
}

impl Checks {
    /// Whether a browser page at `origin` may use the server: pages on this machine may, and
    /// those of the allowed origins.
    fn origin_allowed(&self, origin: &HeaderValue) -> bool {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self
            .allowed_origins
            .iter()
            .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(&origin))
        {
            return true;
        }
        let Ok(uri) = origin.parse::<http::Uri>() else {
            return false;
        };
        let loopback_host = uri.host().is_some_and(|host| {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        matches!(uri.scheme_str(), Some("http" | "https")) && loopback_host
    }
}

impl fmt::Debug for McpHttpService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("McpHttpService")
            .field("checks", &self.checks)
            .finish_non_exhaustive()
    }
}

impl<B> tower_service::Service<Request<B>> for McpHttpService
where
    B: Body + Send + 'static,
    B::Data: Send + 'static,
    B::Error: Display,
{
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<HttpResponse, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.handle(request).await) })
    }
}

/// A refusal with a JSON-RPC error as its body, which MCP clients show.
pub(super) fn refusal(status: StatusCode, message: &str) -> HttpResponse {
    let code = if status == StatusCode::NOT_FOUND {
        -32001
    } else {
        -32000
    };
    error_response(status, code, message)
}

/// The refusal of a body larger than `limit` bytes, whether announced or found reading it.
fn too_large(limit: usize) -> HttpResponse {
    let message = format!("the request is larger than {limit} bytes; send a smaller one");
    refusal(StatusCode::PAYLOAD_TOO_LARGE, &message)
}

/// The answer to a JSON body that is not a JSON-RPC message: 400, with JSON-RPC's own code for
/// text that is not JSON (-32700) or for JSON that is not a request (-32600).
fn not_a_message(body: &[u8]) -> HttpResponse {
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) if body.trim_ascii_start().starts_with(b"[") => error_response(
            StatusCode::BAD_REQUEST,
            -32600,
            "batches of JSON-RPC messages are not accepted; send each message in a request of \
             its own",
        ),
        Err(error) => {
            let message = format!("the request is not JSON ({error}); send one JSON-RPC message");
            error_response(StatusCode::BAD_REQUEST, -32700, &message)
        }
        Ok(_) => error_response(
            StatusCode::BAD_REQUEST,
            -32600,
            "the request is not a JSON-RPC message; send one object with \"jsonrpc\": \"2.0\" \
             and the method and params MCP defines for it",
        ),
    }
}

/// One of rmcp's refusals, which are plain text, as a JSON-RPC error like ours; its status and
/// headers (`Allow`) are kept. Where rmcp's text does not say what to do, the message does.
/// `json`: whether the request declared its body JSON.
async fn as_json_rpc(response: HttpResponse, body: &[u8], json: bool) -> HttpResponse {
    let (mut parts, text) = response.into_parts();
    if json && parts.status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        // rmcp answers 415 to a JSON body that is not one JSON-RPC message it reads.
        return not_a_message(body);
    }
    let text = text.collect().await.map(|text| text.to_bytes());
    let text = String::from_utf8_lossy(text.as_deref().unwrap_or_default());
    let status = parts.status;
    let mut refused = match text.as_ref() {
        "Forbidden: Host header is not allowed" => refusal(
            status,
            "this server does not answer to the Host the request names; its operator can add the \
             name with `allowed_hosts`",
        ),
        "Bad Request: Session ID is required" => match initialize_params_error(body) {
            Some(error) => error_response(status, -32602, &error.message),
            None => refusal(
                status,
                "this request needs a session: send initialize first, then the Mcp-Session-Id \
                 header its answer carries",
            ),
        },
        "Method Not Allowed" => {
            let allowed = parts.headers.get(header::ALLOW);
            let allowed = allowed.and_then(|allow| allow.to_str().ok());
            let message = format!(
                "the MCP path does not answer this method; send {}",
                allowed.unwrap_or("POST")
            );
            refusal(status, &message)
        }
        text if text.starts_with("Bad Request: Unsupported MCP-Protocol-Version")
            || text.starts_with("Bad Request: Invalid MCP-Protocol-Version") =>
        {
            let known = ProtocolVersion::KNOWN_VERSIONS.iter();
            let known: Vec<&str> = known.map(ProtocolVersion::as_str).collect();
            let message = format!(
                "this server does not speak the MCP revision the MCP-Protocol-Version header \
                 names; send one of {}",
                known.join(", ")
            );
            refusal(status, &message)
        }
        text if text.starts_with("Bad Request: ") && text.contains("Host header") => refusal(
            status,
            "the request needs a Host header naming this server; send one, as HTTP/1.1 asks",
        ),
        text => refusal(status, text),
    };
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    refused.headers_mut().extend(parts.headers);
    refused
}

/// What is wrong with the params of `body`, when it is an `initialize` whose params rmcp could
/// not read (it then takes it for a request that needs a session).
fn initialize_params_error(body: &[u8]) -> Option<ErrorData> {
    #[derive(serde::Deserialize)]
    struct Request {
        method: String,
        params: Option<serde_json::Value>,
    }
    let Request { method, params } = serde_json::from_slice(body).ok()?;
    match method.as_str() {
        "initialize" => handler::unreadable_params(&CustomRequest::new(method, params)),
        _ => None,
    }
}

fn error_response(status: StatusCode, code: i32, message: &str) -> HttpResponse {
    let body = json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}});
    json_response(status, body.to_string())
}

/// Whether a `Content-Type` names one of `types`, whatever its parameters (`; charset=utf-8`).
fn is_one_of(content_type: Option<&HeaderValue>, types: &[&str]) -> bool {
    let media = content_type.and_then(|value| Some(value.to_str().ok()?.split(';').next()?.trim()));
    media.is_some_and(|media| {
        types
            .iter()
            .any(|wanted| media.eq_ignore_ascii_case(wanted))
    })
}

/// A JSON response.
pub(super) fn json_response(status: StatusCode, body: String) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(allowed: &[&str]) -> Checks {
        Checks {
            auth: None,
            allowed_origins: allowed.iter().map(|o| o.to_string()).collect(),
            max_body_bytes: 0,
            body_read_timeout: Duration::ZERO,
            max_sessions: 0,
            stateless: false,
            sessions: Arc::new(Sessions::new(CancellationToken::new())),
        }
    }

    #[test]
    fn pages_of_this_machine_and_allowed_origins_pass() {
        let checks = checks(&["https://app.example.com"]);
        let allowed =
            |origin: &'static str| checks.origin_allowed(&HeaderValue::from_static(origin));
        assert!(allowed("http://localhost:5173"));
        assert!(allowed("http://127.0.0.1"));
        assert!(allowed("https://[::1]:8443"));
        assert!(allowed("https://APP.example.com/"));
        assert!(!allowed("http://evil.example"));
        assert!(!allowed("http://localhost.evil.example"));
        assert!(!allowed("null"));
        assert!(!allowed("file://localhost"));
    }
}
