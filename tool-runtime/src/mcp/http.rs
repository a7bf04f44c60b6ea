//! [`HttpServer`]: an [`McpServer`] on rmcp's streamable HTTP service, served by hyper.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use super::McpServer;

/// Where to serve MCP over HTTP when nobody says otherwise: 127.0.0.1, port 8000, which only
/// this machine reaches.
///
/// ```
/// assert_eq!(tool_runtime::mcp::DEFAULT_HTTP_ADDR.to_string(), "127.0.0.1:8000");
/// ```
pub const DEFAULT_HTTP_ADDR: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8000));

type Service = StreamableHttpService<McpServer, LocalSessionManager>;

/// An [`McpServer`] serving streamable HTTP (MCP 2025-03-26 and later) on a TCP port, one
/// session per client, until [`HttpServer::shutdown`]. It answers on every path; clients
/// usually use [`HttpServer::url`], which ends in `/mcp`. Requests must name a loopback host
/// (`localhost`, `127.0.0.1`, `::1`) in their `Host` header, rmcp's guard against DNS
/// rebinding.
///
/// ```
/// use tool_runtime::mcp::{HttpServer, McpServer};
/// use tool_runtime::Toolbox;
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let server = McpServer::new(Toolbox::builder().build().unwrap());
///     let http = HttpServer::bind(server, "127.0.0.1:0").await?;
///     assert_eq!(http.url(), format!("http://{}/mcp", http.local_addr()));
///     http.shutdown().await;
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct HttpServer {
    local_addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// Listens on `addr` and serves `server` there, on a task of its own.
    pub async fn bind(server: McpServer, addr: impl ToSocketAddrs) -> io::Result<HttpServer> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let config = StreamableHttpServerConfig::default().with_cancellation_token(stop.clone());
        let service = StreamableHttpService::new(
            move || Ok(server.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let task = tokio::spawn(accept(listener, service, stop.clone()));
        Ok(HttpServer {
            local_addr,
            stop,
            task,
        })
    }

    /// The address listened on, with the port the system chose for port 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL to give MCP clients: `http://ADDR/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.local_addr)
    }

    /// Stops listening, ends every session (cancelling the calls in flight) and waits for the
    /// open connections to close.
    pub async fn shutdown(self) {
        self.stop.cancel();
        // The task ends once its connections have; it only fails if it panicked.
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the MCP HTTP server stopped abnormally");
        }
    }
}

/// Accepts connections until `stop`, then waits for those open to finish.
async fn accept(listener: TcpListener, service: Service, stop: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                connections.spawn(serve(stream, service.clone(), stop.clone()));
            }
            Err(error) => tracing::warn!(%error, "an MCP HTTP connection could not be accepted"),
        }
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
}

/// Serves one HTTP/1.1 connection; on `stop`, finishes the request in progress and closes.
async fn serve(stream: TcpStream, service: Service, stop: CancellationToken) {
    let handler = hyper::service::service_fn(move |request| {
        let service = service.clone();
        async move { Ok::<_, Infallible>(service.handle(request).await) }
    });
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), handler);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "an MCP HTTP connection ended with an error");
    }
}
