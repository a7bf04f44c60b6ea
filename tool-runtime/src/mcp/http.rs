//! [`HttpServer`]: an [`McpServer`] on streamable HTTP, served by hyper on a port of its own,
//! with the bounds a server on a network needs.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Method, Request, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::auth::{BearerAuth, Identity, ProtectedResource};
use super::service::{Checks, HttpResponse, McpHttpService, Sessions, json_response, refusal};
use super::{McpServer, cors};

/// Where to serve MCP over HTTP when nobody says otherwise: 127.0.0.1, port 8000, which only
/// this machine reaches.
///
/// ```
/// assert_eq!(tool_runtime::mcp::DEFAULT_HTTP_ADDR.to_string(), "127.0.0.1:8000");
/// ```
pub const DEFAULT_HTTP_ADDR: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8000));

/// An [`McpServer`] serving streamable HTTP (every MCP revision from 2025-03-26 on) at one
/// path of a TCP port (`/mcp` unless [`path`](HttpServerBuilder::path) says otherwise; other
/// paths, except those of the [health checks](HttpServerBuilder::health_paths), get 404), until
/// [`HttpServer::shutdown`]. The requests pass the checks of [`McpHttpService`]; besides, the
/// server bounds what a client can hold:
///
/// - a request whose headers do not arrive within
///   [`header_read_timeout`](HttpServerBuilder::header_read_timeout) (10 s) is closed, as is
///   one whose body does not arrive within
///   [`body_read_timeout`](HttpServerBuilder::body_read_timeout) (10 s) after them;
/// - at most [`max_connections`](HttpServerBuilder::max_connections) (1,024) are open at
///   once: further clients wait to be accepted;
/// - sessions, bodies: see [`McpHttpService`].
///
/// By default each client of a revision before 2026-07-28 gets a session, kept in this process;
/// [`stateless`](HttpServerBuilder::stateless) serves every request on its own, so that several
/// replicas behind a load balancer can answer any request. Load balancers and orchestrators
/// probe [`/healthz` and `/readyz`](HttpServerBuilder::health_paths); [`HttpServer::drain`]
/// turns readiness off before a shutdown.
///
/// It listens on this machine only unless told otherwise: binding an address that other
/// machines reach fails unless requests need a bearer token
/// ([`bearer_tokens`](HttpServerBuilder::bearer_tokens)) or
/// [`allow_unauthenticated_remote`](HttpServerBuilder::allow_unauthenticated_remote) says
/// that anyone who reaches the port may call every tool.
///
/// ```
/// use tool_runtime::mcp::{HttpServer, McpServer};
/// use tool_runtime::Toolbox;
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let server = McpServer::new(Toolbox::builder().build().unwrap());
///     let http = HttpServer::builder(server)
///         .bearer_tokens(["a-long-random-secret"])
///         .bind("127.0.0.1:0")
///         .await?;
///     assert_eq!(http.url(), format!("http://{}/mcp", http.local_addr()));
///     http.shutdown().await;
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct HttpServer {
    local_addr: SocketAddr,
    path: String,
    /// Cancelled when the server is draining: readiness answers 503 from then on.
    draining: CancellationToken,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

/// The settings of an [`HttpServer`] or of an [`McpHttpService`], from
/// [`HttpServer::builder`].
#[derive(Debug)]
pub struct HttpServerBuilder {
    server: McpServer,
    path: String,
    auth: Option<BearerAuth>,
    allowed_origins: Vec<String>,
    allowed_hosts: Vec<String>,
    unauthenticated_remote: bool,
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    max_connections: usize,
    max_sessions: usize,
    max_body_bytes: usize,
    stateless: bool,
    liveness_path: Option<String>,
    readiness_path: Option<String>,
}

impl HttpServer {
    /// Settings for serving `server`, starting from the defaults.
    pub fn builder(server: McpServer) -> HttpServerBuilder {
        HttpServerBuilder {
            server,
            path: "/mcp".to_owned(),
            auth: None,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            unauthenticated_remote: false,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_sessions: 10_000,
            max_body_bytes: 4 * 1024 * 1024,
            stateless: false,
            liveness_path: Some("/healthz".to_owned()),
            readiness_path: Some("/readyz".to_owned()),
        }
    }

    /// Serves `server` on `addr` with the default settings: [`HttpServer::builder`], then
    /// [`bind`](HttpServerBuilder::bind).
    pub async fn bind(server: McpServer, addr: impl ToSocketAddrs) -> io::Result<HttpServer> {
        HttpServer::builder(server).bind(addr).await
    }

    /// The address listened on, with the port the system chose for port 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL to give MCP clients: `http://ADDR/mcp` (with the configured path).
    pub fn url(&self) -> String {
        format!("http://{}{}", self.local_addr, self.path)
    }

    /// Turns readiness off (the [readiness path](HttpServerBuilder::health_paths) answers 503)
    /// while the server goes on serving every request, so that load balancers stop sending new
    /// ones here before [`shutdown`](Self::shutdown): call this first when asked to stop
    /// (Kubernetes sends `SIGTERM`), wait a few probe periods, then shut down.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tool_runtime::mcp::McpServer;
    /// use tool_runtime::Toolbox;
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let server = McpServer::new(Toolbox::builder().build().unwrap());
    ///     let http = server.serve_http("127.0.0.1:0").await?;
    ///     // On SIGTERM:
    ///     http.drain();
    ///     tokio::time::sleep(Duration::from_millis(10)).await; // a few probe periods
    ///     http.shutdown().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn drain(&self) {
        self.draining.cancel();
    }

    /// Stops listening, ends every session (cancelling the calls in flight), lets the
    /// requests in progress finish, and waits for the connections to close. Readiness answers
    /// 503 meanwhile.
    pub async fn shutdown(self) {
        self.draining.cancel();
        self.stop.cancel();
        // The task ends once its connections have; it only fails if it panicked.
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the MCP HTTP server stopped abnormally");
        }
    }
}

impl HttpServerBuilder {
    /// The path MCP is served at; `/mcp` by default. Other paths, except those of the
    /// [health checks](Self::health_paths), get 404.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Requests must carry one of these tokens (`Authorization: Bearer TOKEN`); each token is
    /// an identity of its own, whose sessions no other token can use.
    pub fn bearer_tokens(mut self, tokens: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let tokens = tokens.into_iter().map(Into::into).collect();
        self.auth = Some(self.keep_resource(BearerAuth::tokens(tokens)));
        self
    }

    /// Requests must carry a bearer token that `check` accepts by giving the identity it
    /// stands for (a user id, a client id), or `None` to refuse it: to check OAuth access
    /// tokens, look tokens up in a database, call an introspection endpoint.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tool_runtime::mcp::{HttpServer, McpServer};
    /// use tool_runtime::Toolbox;
    ///
    /// let server = McpServer::new(Toolbox::builder().build().unwrap());
    /// let builder = HttpServer::builder(server).bearer_check(|token: String| async move {
    ///     // A real check would verify a signature or ask the authorization server.
    ///     token.strip_prefix("user-").map(Arc::from)
    /// });
    /// # let _ = builder;
    /// ```
    pub fn bearer_check<F, Fut>(mut self, check: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Identity>> + Send + 'static,
    {
        self.auth = Some(self.keep_resource(BearerAuth::check(check)));
        self
    }

    /// For OAuth deployments: serves the protected-resource metadata (RFC 9728) of
    /// `resource`, the URL clients use (`https://mcp.example.com/mcp`), naming the
    /// authorization servers that issue its tokens, and points 401 answers to it. Tokens are
    /// still checked by [`bearer_check`](Self::bearer_check) (or
    /// [`bearer_tokens`](Self::bearer_tokens)), which must be set.
    pub fn oauth_protected_resource(
        mut self,
        resource: impl Into<String>,
        authorization_servers: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let resource = ProtectedResource {
            resource: resource.into(),
            authorization_servers: authorization_servers.into_iter().map(Into::into).collect(),
        };
        let auth = self
            .auth
            .get_or_insert_with(|| BearerAuth::tokens(Vec::new()));
        auth.resource = Some(resource);
        self
    }

    /// Browser origins (`https://app.example.com`, with the port when it is not the scheme's
    /// own) whose pages may use the server, besides those of this machine. Requests without
    /// an `Origin` header (clients that are not browsers) are not concerned.
    pub fn allowed_origins(mut self, origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Host names (`tools.example.com`, or with a port) requests may name in their `Host`
    /// header, besides `localhost`, `127.0.0.1`, `::1` and the address bound: the guard
    /// against DNS rebinding. A server reached by name on a network needs its name here.
    pub fn allowed_hosts(mut self, hosts: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.allowed_hosts = hosts.into_iter().map(Into::into).collect();
        self
    }

    /// Allows binding an address other machines reach with no bearer token: anyone who
    /// reaches the port may call every tool. For networks you control.
    pub fn allow_unauthenticated_remote(mut self) -> Self {
        self.unauthenticated_remote = true;
        self
    }

    /// How long a client has to send a request's headers; 10 s by default.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long a client has to send a request's body, once its headers are in; 10 s by
    /// default. A body still incomplete then is refused with 408 and its connection closed.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// How many connections may be open at once; 1,024 by default. Further clients wait to
    /// be accepted.
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.max_connections = limit.max(1);
        self
    }

    /// How many sessions may be live at once; 10,000 by default. A new session beyond it ends
    /// the session idle for longest.
    pub fn max_sessions(mut self, limit: usize) -> Self {
        self.max_sessions = limit.max(1);
        self
    }

    /// Serves every request on its own, with no session: any replica serving the same tools
    /// answers any request, so several can run behind a load balancer with no affinity. Off by
    /// default, because a session is what lets clients of the older revisions cancel a call
    /// and answer the server's questions (below); clients of the 2026-07-28 revision, which has
    /// no sessions, are served this way in either case.
    ///
    /// What changes for clients of the revisions with a session (2024-11-05 to 2025-11-25):
    ///
    /// - `initialize` is answered and no `Mcp-Session-Id` is given; `DELETE` and the `GET`
    ///   stream answer 405, as the specification allows.
    /// - Progress reports still reach the client, on the stream of the request they belong to.
    /// - A call is cancelled when its client closes the request's connection (as clients of
    ///   2026-07-28 do to cancel). A `notifications/cancelled` is not acted on: it comes in a
    ///   request of its own, which another replica may receive. The call ends at its timeout.
    /// - The server cannot send requests to the client (elicitation, sampling): the answer
    ///   would come in a request of its own, to any replica.
    ///
    /// What a tool may keep: state given to the toolbox (`#[state]`) is per process, so each
    /// replica has its own; it suits what any replica can rebuild (connection pools, caches,
    /// clients). What a conversation must find again on its next call belongs in a store all
    /// replicas share (a database), named by an argument the model passes.
    ///
    /// ```
    /// use tool_runtime::mcp::{HttpServer, McpServer};
    /// use tool_runtime::Toolbox;
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     // Each replica runs the same toolbox; a balancer in front sends requests to any.
    ///     let server = McpServer::new(Toolbox::builder().build().unwrap());
    ///     let replica = HttpServer::builder(server)
    ///         .stateless()
    ///         .bearer_tokens(["a-long-random-secret"])
    ///         .bind("127.0.0.1:0")
    ///         .await?;
    ///     replica.shutdown().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn stateless(mut self) -> Self {
        self.stateless = true;
        self
    }

    /// Where the health checks are answered, outside the MCP path and with no token needed:
    /// liveness (the process answers: 200 `{"status":"ok"}`) at `/healthz` and readiness
    /// (200 `{"status":"ready"}`, or 503 `{"status":"draining"}` once
    /// [`HttpServer::drain`] or [`HttpServer::shutdown`] was called) at `/readyz` by default.
    /// `None` turns one off; a path that is the MCP path is not a health check.
    ///
    /// ```
    /// use tool_runtime::mcp::{HttpServer, McpServer};
    /// use tool_runtime::Toolbox;
    ///
    /// let server = McpServer::new(Toolbox::builder().build().unwrap());
    /// // Liveness at /livez, no readiness check.
    /// let builder = HttpServer::builder(server).health_paths(Some("/livez"), None);
    /// # let _ = builder;
    /// ```
    pub fn health_paths(mut self, liveness: Option<&str>, readiness: Option<&str>) -> Self {
        self.liveness_path = liveness.map(str::to_owned);
        self.readiness_path = readiness.map(str::to_owned);
        self
    }

    /// The largest request body accepted, in bytes; 4 MiB by default.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The service answering MCP requests, to mount in a web app of your own (see
    /// [`McpHttpService`]). The path, the connection settings and the check of the bound
    /// address do not apply: the app has its own.
    pub fn into_service(self) -> McpHttpService {
        self.service(CancellationToken::new(), None)
    }

    /// Listens on `addr` and serves there, on a task of its own, until
    /// [`HttpServer::shutdown`]. Fails if `addr` is reachable from other machines while no
    /// bearer token is required (see [`HttpServer`]).
    pub async fn bind(self, addr: impl ToSocketAddrs) -> io::Result<HttpServer> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let ip = local_addr.ip();
        if !ip.is_loopback() && self.auth.is_none() && !self.unauthenticated_remote {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "refusing to serve MCP on {local_addr} without authentication: anyone who \
                     reaches it could call every tool. Require a token with \
                     HttpServerBuilder::bearer_tokens, bind 127.0.0.1, or opt in with \
                     HttpServerBuilder::allow_unauthenticated_remote()"
                ),
            ));
        }
        if ip.is_unspecified() && self.allowed_hosts.is_empty() {
            tracing::warn!(
                "MCP is served on {local_addr}, but only to requests naming localhost, 127.0.0.1 \
                 or ::1 as their host: list the names other machines use with allowed_hosts"
            );
        }
        let stop = CancellationToken::new();
        let draining = CancellationToken::new();
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .clone();
        let max_connections = self.max_connections;
        let path = self.path.clone();
        let metadata = self.auth.as_ref().and_then(|auth| {
            let resource = auth.resource.as_ref()?;
            Some((resource.metadata_path(), resource.document().to_string()))
        });
        let routes = Routes {
            liveness: self.liveness_path.clone(),
            readiness: self.readiness_path.clone(),
            draining: draining.clone(),
            service: self.service(stop.clone(), Some(ip)),
            path: path.clone(),
            metadata,
        };
        let task = tokio::spawn(accept(
            listener,
            Arc::new(routes),
            connection,
            max_connections,
            stop.clone(),
        ));
        Ok(HttpServer {
            local_addr,
            path,
            draining,
            stop,
            task,
        })
    }

    fn service(self, stop: CancellationToken, bound: Option<IpAddr>) -> McpHttpService {
        let mut hosts = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        hosts.extend(
            bound
                .filter(|ip| !ip.is_unspecified())
                .map(|ip| ip.to_string()),
        );
        hosts.extend(self.allowed_hosts);
        // Answers that need no stream (no progress report came before the result) are sent
        // as one JSON body rather than as an event stream; rmcp does so for the requests it
        // serves without a session.
        let config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(!self.stateless)
            .with_json_response(true)
            .with_cancellation_token(stop)
            .with_allowed_hosts(hosts)
            .with_max_request_body_bytes(self.max_body_bytes);
        let manager = Arc::new(LocalSessionManager::default());
        let sessions = Arc::new(Sessions::new(self.server.stop.clone()));
        let mut server = self.server;
        server.sessions = Some(sessions.clone());
        let inner = StreamableHttpService::new(move || Ok(server.clone()), manager.clone(), config);
        let checks = Checks {
            auth: self.auth,
            allowed_origins: self.allowed_origins,
            max_body_bytes: self.max_body_bytes,
            body_read_timeout: self.body_read_timeout,
            max_sessions: self.max_sessions,
            stateless: self.stateless,
            sessions,
        };
        McpHttpService::new(inner, manager, checks)
    }

    /// Keeps the OAuth metadata already configured on a new way of checking tokens.
    fn keep_resource(&self, mut auth: BearerAuth) -> BearerAuth {
        auth.resource = self.auth.as_ref().and_then(|old| old.resource.clone());
        auth
    }
}

/// What the server answers on which path.
struct Routes {
    liveness: Option<String>,
    readiness: Option<String>,
    /// Cancelled once the server drains: readiness fails.
    draining: CancellationToken,
    service: McpHttpService,
    path: String,
    /// The path of the OAuth metadata and the document, when configured.
    metadata: Option<(String, String)>,
}

impl Routes {
    async fn answer(&self, request: Request<Incoming>) -> HttpResponse {
        let path = request.uri().path();
        if path == self.path {
            return self.service.handle(request).await;
        }
        let liveness = self.liveness.as_deref() == Some(path);
        let readiness = self.readiness.as_deref() == Some(path);
        if (liveness || readiness) && request.method() != Method::GET {
            let mut response = refusal(
                StatusCode::METHOD_NOT_ALLOWED,
                "health checks answer GET; send GET",
            );
            response
                .headers_mut()
                .insert(http::header::ALLOW, HeaderValue::from_static("GET"));
            return response;
        }
        if liveness {
            return json_response(StatusCode::OK, r#"{"status":"ok"}"#.to_owned());
        }
        if readiness {
            return if self.draining.is_cancelled() {
                let body = r#"{"status":"draining"}"#.to_owned();
                json_response(StatusCode::SERVICE_UNAVAILABLE, body)
            } else {
                json_response(StatusCode::OK, r#"{"status":"ready"}"#.to_owned())
            };
        }
        if let Some((metadata_path, document)) = &self.metadata
            && (path == metadata_path || path == "/.well-known/oauth-protected-resource")
        {
            // Public, and read by OAuth clients in browser pages too.
            match *request.method() {
                Method::GET => {
                    let mut response = json_response(StatusCode::OK, document.clone());
                    cors::allow_any(&mut response);
                    return response;
                }
                Method::OPTIONS => {
                    return cors::preflight(cors::ANY_ORIGIN, "GET", request.headers());
                }
                _ => {}
            }
        }
        let message = format!("nothing is served here; MCP is at {}", self.path);
        refusal(StatusCode::NOT_FOUND, &message)
    }
}

/// Accepts connections until `stop`, at most `max_connections` open at once, then lets those
/// open finish their requests and waits for them.
async fn accept(
    listener: TcpListener,
    routes: Arc<Routes>,
    connection: http1::Builder,
    max_connections: usize,
    stop: CancellationToken,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(max_connections));
    loop {
        // Beyond the cap, new clients wait in the listen backlog until a connection closes.
        let slot = tokio::select! {
            () = stop.cancelled() => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors, or a connection that failed before it was
                // accepted: wait a little rather than retry at once, so the loop never spins.
                tracing::warn!(%error, "an MCP HTTP connection could not be accepted");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Requests and answers are small messages: sent at once, not held back by Nagle's
        // algorithm waiting for the client's delayed acknowledgement.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY could not be set");
        }
        let routes = routes.clone();
        let handler = hyper::service::service_fn(move |request| {
            let routes = routes.clone();
            async move { Ok::<_, std::convert::Infallible>(routes.answer(request).await) }
        });
        let served = graceful.watch(connection.serve_connection(TokioIo::new(stream), handler));
        tokio::spawn(async move {
            if let Err(error) = served.await {
                tracing::debug!(%error, "an MCP HTTP connection ended with an error");
            }
            drop(slot);
        });
    }
    graceful.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults the docs of `HttpServer`, its builder's methods and the README state:
    /// headers within 10 s, the body within 10 s after them, 1,024 connections, 10,000
    /// sessions, 4 MiB bodies, MCP at `/mcp`, health checks at `/healthz` and `/readyz`.
    #[test]
    fn the_defaults_are_the_documented_ones() {
        let toolbox = crate::Toolbox::builder().build().unwrap();
        let builder = HttpServer::builder(McpServer::new(toolbox));
        assert_eq!(builder.header_read_timeout, Duration::from_secs(10));
        assert_eq!(builder.body_read_timeout, Duration::from_secs(10));
        assert_eq!(builder.max_connections, 1_024);
        assert_eq!(builder.max_sessions, 10_000);
        assert_eq!(builder.max_body_bytes, 4 << 20);
        assert_eq!(builder.path, "/mcp");
        assert_eq!(builder.liveness_path.as_deref(), Some("/healthz"));
        assert_eq!(builder.readiness_path.as_deref(), Some("/readyz"));
        assert!(!builder.stateless && !builder.unauthenticated_remote);
    }
}
