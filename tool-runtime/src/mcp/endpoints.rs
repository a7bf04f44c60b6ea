//! [`RemoteServers`]: several MCP servers serving the same tools, used as one: each call goes
//! to the server with the fewest calls in flight, a server that keeps failing is left out and
//! probed until it answers again, and a call that got no answer is sent to another server
//! when that cannot run it twice.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::common::client_side_sse::NeverRetry;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ErrorData, Peer, RoleClient, ServiceExt};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::http_client::HttpClient;
use super::remote::{Lost, listed_tools, send};
use super::{ProgressRelay, RemoteTool};
use crate::{CallContext, Failure, ToolRef};

/// How many requests one server's client has on the wire at once; the toolbox's own
/// concurrency limit is the bound that matters.
const MAX_REQUESTS_PER_SERVER: usize = 256;

/// Several MCP servers at streamable HTTP URLs, serving the same tools (replicas of one
/// server, or one balancer's address), whose tools are used as one set: add
/// [`tools`](RemoteServers::tools) to a toolbox. Needs the feature `mcp-client`.
///
/// - **Spreading.** Each call goes to the server with the fewest calls in flight; among
///   equals, to the next in turn.
/// - **Health.** A server whose requests fail (or get no answer before the call's timeout)
///   [`down_after`](RemoteServersBuilder::down_after) times in a row (3 by default) is marked
///   down: calls go to the others, and a probe (connect if needed, then `tools/list`) tries
///   it again after [`probe_backoff`](RemoteServersBuilder::probe_backoff)'s first wait
///   (500 ms), doubling up to its longest (30 s), until it answers; then it takes calls again.
///   When every server is down, calls try them anyway (not one that serves other tools).
/// - **Failover.** A call whose request never reached a server (connection refused, 503 or
///   429, 401 or 403, an unknown session) is sent to another server, whatever the tool. A call
///   that was sent and got no answer (the server died mid-call) may have run: it is sent to
///   another server only when the server declared the tool `idempotentHint` or `readOnlyHint`;
///   otherwise the model reads "unknown outcome: the server stopped answering after the call
///   was sent, so it may or may not have run. Check whether it did before calling again."
///   A server's answer, even an error, is never sent again; a refusal of a request it did not
///   read (413 for one too large), a JSON-RPC error without an id, is that request's answer, so
///   the call fails at once with the server's words. Each server is tried at most once
///   per call, and the toolbox's timeout and cancellation cover the call with all its tries.
///   One case HTTP cannot tell apart: a request written on a kept-alive connection at the
///   moment the server died counts as sent, so a call sent just then to a dying server is
///   "unknown outcome" even if the server never read it.
/// - **One list of tools.** The tools are listed once, when connecting, from the first
///   server (in the order given) that answers. A server joins (at the start, or after a probe)
///   only if it serves each of those tools exactly as listed (tools it has besides are not
///   used); one that differs stays down, with a warning naming the tool. After changing a
///   tool's declaration on the servers, connect again.
/// - **Progress.** The progress reports of the server running a call reach the call's caller,
///   as a [`ProgressRelay`] passes them on.
///
/// ```no_run
/// use tool_runtime::mcp::RemoteServers;
/// use tool_runtime::Toolbox;
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let servers = RemoteServers::builder([
///         "http://10.0.0.1:8000/mcp",
///         "http://10.0.0.2:8000/mcp",
///         "http://10.0.0.3:8000/mcp",
///     ])
///     .bearer_token(std::env::var("MCP_TOKEN")?)
///     .connect()
///     .await?;
///     let toolbox = Toolbox::builder().tools(servers.tools()).build()?;
///     println!("{}", toolbox.call("query_db", r#"{"sql": "SELECT 1"}"#).await.text());
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug)]
pub struct RemoteServers {
    servers: Arc<Servers>,
}

/// The settings of a [`RemoteServers`], from [`RemoteServers::builder`].
#[derive(Debug)]
pub struct RemoteServersBuilder {
    urls: Vec<String>,
    http: Option<reqwest::Client>,
    settings: Settings,
}

/// What a [`RemoteServers`] knows of one server, from [`RemoteServers::endpoints`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// The server's URL.
    pub url: String,
    /// Whether calls go to it (it is not marked down).
    pub up: bool,
    /// How many calls are waiting for its answer.
    pub in_flight: usize,
}

/// Why [`RemoteServersBuilder::connect`] failed: no URL was given, the HTTP client could not
/// be built, or no server answered (each one's failure is named).
#[derive(Debug)]
pub struct ConnectError(String);

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

#[derive(Clone, Debug)]
struct Settings {
    bearer_token: Option<String>,
    down_after: u32,
    probe_first: Duration,
    probe_longest: Duration,
    connect_timeout: Duration,
}

/// The servers, shared by the tools and the probes.
#[derive(Debug)]
pub(crate) struct Servers {
    endpoints: Vec<Server>,
    /// The tools listed when connecting: what every server must serve.
    tools: Vec<rmcp::model::Tool>,
    /// Where the next choice starts looking, so that equals take turns.
    next: AtomicUsize,
    http: reqwest::Client,
    settings: Settings,
    /// Cancelled when the last handle is dropped: ends the probes.
    stop: CancellationToken,
}

/// One server and its client.
#[derive(Debug)]
struct Server {
    url: String,
    /// The client, when connected (its worker survives failed requests; a probe makes a new
    /// one when it has stopped), served with its own relay of progress reports, since each
    /// client numbers its requests' progress tokens from the same start.
    client: Mutex<Option<RunningService<RoleClient, ProgressRelay>>>,
    in_flight: AtomicUsize,
    /// Failed requests in a row.
    failures: AtomicU32,
    down: AtomicBool,
}

/// Counts a call in flight on a server for as long as it lives (dropped with the call when the
/// toolbox stops waiting).
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn start(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        InFlight(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A request waiting for a server's answer: dropped unanswered once the call's `deadline` has
/// passed (the toolbox gave up on it), it counts as a failed request of the server, so that a
/// server that hangs is marked down as one that refuses is. A call its caller cancelled does
/// not count.
struct Unanswered<'a> {
    servers: &'a Arc<Servers>,
    index: usize,
    deadline: Option<tokio::time::Instant>,
}

impl Drop for Unanswered<'_> {
    fn drop(&mut self) {
        let timed_out = self
            .deadline
            .is_some_and(|deadline| tokio::time::Instant::now() >= deadline);
        if timed_out && tokio::runtime::Handle::try_current().is_ok() {
            self.servers.failed(self.index);
        }
    }
}

impl RemoteServers {
    /// Settings for the servers at `urls` (`http://host:port/mcp`), starting from the defaults.
    pub fn builder(urls: impl IntoIterator<Item = impl Into<String>>) -> RemoteServersBuilder {
        RemoteServersBuilder {
            urls: urls.into_iter().map(Into::into).collect(),
            http: None,
            settings: Settings {
                bearer_token: None,
                down_after: 3,
                probe_first: Duration::from_millis(500),
                probe_longest: Duration::from_secs(30),
                connect_timeout: Duration::from_secs(10),
            },
        }
    }

    /// The servers' tools, each a [`RemoteTool`] whose calls go to any of the servers.
    pub fn tools(&self) -> Vec<ToolRef> {
        self.servers
            .tools
            .iter()
            .map(|tool| {
                Arc::new(RemoteTool::on_servers(self.servers.clone(), tool.clone())) as ToolRef
            })
            .collect()
    }

    /// Each server, in the order given, as it stands now.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.servers
            .endpoints
            .iter()
            .map(|server| Endpoint {
                url: server.url.clone(),
                up: !server.down.load(Ordering::Relaxed),
                in_flight: server.in_flight.load(Ordering::Relaxed),
            })
            .collect()
    }
}

impl RemoteServersBuilder {
    /// Sends `Authorization: Bearer TOKEN` with every request.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.settings.bearer_token = Some(token.into());
        self
    }

    /// The HTTP client to send requests with (for TLS, proxies, connection settings). By
    /// default, `reqwest::Client::new()`'s settings; for `https` URLs, turn a TLS feature of
    /// reqwest on in your own `Cargo.toml`.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How many failed requests in a row mark a server down; 3 by default (at least 1).
    pub fn down_after(mut self, failures: u32) -> Self {
        self.settings.down_after = failures.max(1);
        self
    }

    /// How long a server marked down waits before its first probe (500 ms by default), and
    /// the longest wait between probes, which double up to it (30 s by default).
    pub fn probe_backoff(mut self, first: Duration, longest: Duration) -> Self {
        self.settings.probe_first = first;
        self.settings.probe_longest = longest.max(first);
        self
    }

    /// How long connecting to a server and listing its tools may take, when connecting and
    /// when probing; 10 s by default.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// Connects to every server at once and lists the tools of the first (in the order given)
    /// that answers. Servers that do not answer, or serve other tools, start marked down and
    /// are probed. Fails when no server answers.
    pub async fn connect(self) -> Result<RemoteServers, ConnectError> {
        if self.urls.is_empty() {
            return Err(ConnectError("no MCP server URL was given".to_owned()));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder().build().map_err(|error| {
                ConnectError(format!("the HTTP client could not be built: {error}"))
            })?,
        };
        let mut connecting = JoinSet::new();
        for (index, url) in self.urls.iter().enumerate() {
            let (http, url, settings) = (http.clone(), url.clone(), self.settings.clone());
            connecting.spawn(async move { (index, connect(&http, &url, &settings).await) });
        }
        let mut connected: Vec<Option<Connected>> = self.urls.iter().map(|_| None).collect();
        let mut failures = Vec::new();
        while let Some(joined) = connecting.join_next().await {
            let (index, result) = joined.expect("connecting does not panic");
            match result {
                Ok(done) => connected[index] = Some(done),
                Err(why) => failures.push((index, why)),
            }
        }
        let Some(tools) = connected.iter().flatten().next().map(|c| c.tools.clone()) else {
            failures.sort_by_key(|(index, _)| *index);
            let each: Vec<String> = failures
                .iter()
                .map(|(index, why)| format!("{} ({why})", self.urls[*index]))
                .collect();
            return Err(ConnectError(format!(
                "no MCP server answered: {}",
                each.join(", ")
            )));
        };
        for (index, why) in &failures {
            tracing::warn!(url = %self.urls[*index], %why, "an MCP server did not answer; it is probed until it does");
        }
        let endpoints = self
            .urls
            .into_iter()
            .zip(connected)
            .map(|(url, connected)| {
                // One that serves other tools keeps no client, so no call is sent to it.
                let client = connected
                    .filter(|c| serves_all(&url, &tools, &c.tools))
                    .map(|c| c.client);
                Server {
                    url,
                    down: AtomicBool::new(client.is_none()),
                    client: Mutex::new(client),
                    in_flight: AtomicUsize::new(0),
                    failures: AtomicU32::new(0),
                }
            })
            .collect();
        let servers = Arc::new(Servers {
            endpoints,
            tools,
            next: AtomicUsize::new(0),
            http,
            settings: self.settings,
            stop: CancellationToken::new(),
        });
        for (index, server) in servers.endpoints.iter().enumerate() {
            if server.down.load(Ordering::Relaxed) {
                tokio::spawn(probe(Arc::downgrade(&servers), index));
            }
        }
        Ok(RemoteServers { servers })
    }
}

/// A client connected to a server, and the tools it lists.
struct Connected {
    client: RunningService<RoleClient, ProgressRelay>,
    tools: Vec<rmcp::model::Tool>,
}

/// Connects to the server at `url` and lists its tools, within the connect timeout.
async fn connect(
    http: &reqwest::Client,
    url: &str,
    settings: &Settings,
) -> Result<Connected, String> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url)
        .max_concurrent_requests(MAX_REQUESTS_PER_SERVER);
    // A response stream that breaks is not resumed: the call is lost on this server (the
    // failover decides what happens to it), rather than waiting on a dead one.
    config.retry_config = Arc::new(NeverRetry::default());
    if let Some(token) = &settings.bearer_token {
        config = config.auth_header(token.clone());
    }
    let transport = StreamableHttpClientTransport::with_client(HttpClient(http.clone()), config);
    let connecting = async {
        let client = ProgressRelay::default()
            .serve(transport)
            .await
            .map_err(|e| e.to_string())?;
        let tools = listed_tools(&client).await.map_err(|e| e.to_string())?;
        Ok(Connected { client, tools })
    };
    tokio::time::timeout(settings.connect_timeout, connecting)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {:?}", settings.connect_timeout)))
}

/// Whether `served` has each tool of `tools`, exactly; warns naming the first that differs.
fn serves_all(url: &str, tools: &[rmcp::model::Tool], served: &[rmcp::model::Tool]) -> bool {
    let missing = tools
        .iter()
        .find(|tool| !served.iter().any(|other| other == *tool));
    if let Some(tool) = missing {
        tracing::warn!(
            url,
            tool = %tool.name,
            "an MCP server does not serve this tool as the first server listed it; it takes no calls until it does"
        );
    }
    missing.is_none()
}

impl Servers {
    /// Calls a tool on one server after another until one answers, each tried at most once;
    /// after a request that may have run, only when `may_repeat`. The progress reports of the
    /// server that runs it go to `context`.
    pub(crate) async fn call(
        self: &Arc<Self>,
        request: CallToolRequestParams,
        may_repeat: bool,
        context: &CallContext,
    ) -> Result<Result<CallToolResult, ErrorData>, Failure> {
        let mut tried = vec![false; self.endpoints.len()];
        while let Some((index, (peer, relay))) = self.choose(&tried) {
            tried[index] = true;
            let server = &self.endpoints[index];
            let sent = {
                let _in_flight = InFlight::start(&server.in_flight);
                let mut waiting = Unanswered {
                    servers: self,
                    index,
                    deadline: context.deadline(),
                };
                let sent = send(&peer, Some(&relay), request.clone(), context).await;
                waiting.deadline = None;
                sent
            };
            match sent {
                Ok(answer) => {
                    server.failures.store(0, Ordering::Relaxed);
                    server.down.store(false, Ordering::Relaxed);
                    return Ok(answer);
                }
                Err(lost) => {
                    tracing::debug!(url = %server.url, ?lost, tool = %request.name, "an MCP server did not answer a call");
                    self.failed(index);
                    if matches!(lost, Lost::MayHaveRun(_)) && !may_repeat {
                        return Err(lost.failure());
                    }
                }
            }
        }
        Err(Failure::Tool(format!(
            "none of the {} MCP servers answered the call. Try again in a moment, or do \
             without this tool.",
            self.endpoints.len()
        )))
    }

    /// The server for the next request, among those not `tried` and with a client: the up
    /// one with the fewest calls in flight, the first in turn among equals; when no up one is
    /// left, a down one in the same way.
    fn choose(&self, tried: &[bool]) -> Option<(usize, Client)> {
        let count = self.endpoints.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % count;
        for up_only in [true, false] {
            let mut best: Option<(usize, usize, Client)> = None;
            for index in (0..count).map(|k| (start + k) % count) {
                let server = &self.endpoints[index];
                if tried[index] || (up_only && server.down.load(Ordering::Relaxed)) {
                    continue;
                }
                let load = server.in_flight.load(Ordering::Relaxed);
                if best.as_ref().is_some_and(|(_, least, _)| load >= *least) {
                    continue;
                }
                if let Some(client) = server.client() {
                    best = Some((index, load, client));
                }
            }
            if let Some((index, _, client)) = best {
                return Some((index, client));
            }
        }
        None
    }

    /// Counts a failed request; the one that reaches the limit marks the server down and
    /// starts its probe.
    fn failed(self: &Arc<Self>, index: usize) {
        let server = &self.endpoints[index];
        let failures = server.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if failures >= self.settings.down_after && !server.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(url = %server.url, failures, "an MCP server is marked down; it is probed until it answers");
            tokio::spawn(probe(Arc::downgrade(self), index));
        }
    }

    /// Whether the server at `index` answers `tools/list` with the tools, connecting a new
    /// client when it has none or its client has stopped. One that serves other tools is left
    /// without a client, so that no call is sent to it, even when every server is down.
    async fn check(&self, index: usize) -> bool {
        let server = &self.endpoints[index];
        let peer = server
            .client()
            .filter(|(peer, _)| !peer.is_transport_closed());
        let mut fresh = None;
        let listed = match peer {
            Some((peer, _)) => {
                tokio::time::timeout(self.settings.connect_timeout, listed_tools(&peer))
                    .await
                    .map_err(|_| "no answer in time".to_owned())
                    .and_then(|listed| listed.map_err(|e| e.to_string()))
            }
            None => connect(&self.http, &server.url, &self.settings).await.map(
                |Connected { client, tools }| {
                    fresh = Some(client);
                    tools
                },
            ),
        };
        match listed {
            Ok(tools) => {
                let serves = serves_all(&server.url, &self.tools, &tools);
                let mut client = server.client.lock().expect("never poisoned");
                if !serves {
                    *client = None;
                } else if fresh.is_some() {
                    *client = fresh;
                }
                serves
            }
            Err(why) => {
                tracing::debug!(url = %server.url, %why, "an MCP server marked down still does not answer");
                false
            }
        }
    }
}

/// A connected server's client: its handle, and the relay it was served with.
type Client = (Peer<RoleClient>, ProgressRelay);

impl Server {
    /// The client, when connected.
    fn client(&self) -> Option<Client> {
        let client = self.client.lock().expect("never poisoned");
        client
            .as_ref()
            .map(|client| (client.peer().clone(), client.service().clone()))
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Probes the server at `index`, marked down, with growing waits, until it answers (then it is
/// up again) or the servers are dropped.
async fn probe(servers: Weak<Servers>, index: usize) {
    let Some((stop, mut wait, longest)) = servers.upgrade().map(|s| {
        (
            s.stop.clone(),
            s.settings.probe_first,
            s.settings.probe_longest,
        )
    }) else {
        return;
    };
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        let Some(servers) = servers.upgrade() else {
            return;
        };
        let server = &servers.endpoints[index];
        if !server.down.load(Ordering::Relaxed) || servers.check(index).await {
            server.failures.store(0, Ordering::Relaxed);
            server.down.store(false, Ordering::Relaxed);
            tracing::info!(url = %server.url, "an MCP server marked down answers again");
            return;
        }
        wait = (wait * 2).min(longest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults `RemoteServersBuilder`'s docs and the README state: down after 3 failed
    /// requests in a row, probed after 500 ms, then at doubling intervals up to 30 s; 10 s to
    /// connect and list the tools.
    #[test]
    fn the_defaults_are_the_documented_ones() {
        let settings = RemoteServers::builder(["http://127.0.0.1:1/mcp"]).settings;
        assert_eq!(settings.down_after, 3);
        assert_eq!(settings.probe_first, Duration::from_millis(500));
        assert_eq!(settings.probe_longest, Duration::from_secs(30));
        assert_eq!(settings.connect_timeout, Duration::from_secs(10));
        assert!(settings.bearer_token.is_none());
    }
}
