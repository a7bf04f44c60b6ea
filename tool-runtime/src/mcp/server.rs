//! [`McpServer`]: a toolbox as an MCP server, and how it is served over stdio.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rmcp::ErrorData;
use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, Implementation, ServerJsonRpcMessage, Tool,
};
use rmcp::transport::Transport;
use rmcp::transport::async_rw::AsyncRwTransport;
use rmcp::{RoleServer, ServiceExt};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::ToSocketAddrs;
use tokio_util::sync::CancellationToken;

use super::http::HttpServer;
use super::service::Sessions;
use super::{convert, handler};
use crate::Toolbox;
use crate::providers::NullStyle;

/// A [`Toolbox`] as an MCP server: an rmcp [`ServerHandler`](rmcp::ServerHandler) that lists
/// the toolbox's tools and runs their calls through it. Cheap to clone: clones share the
/// toolbox.
///
/// ```
/// use tool_runtime::mcp::McpServer;
/// use tool_runtime::providers::NullStyle;
/// use tool_runtime::{tool, Toolbox};
///
/// /// Says hello.
/// #[tool]
/// async fn greet(name: String) -> String {
///     format!("Hello, {name}!")
/// }
///
/// # fn main() {
/// let toolbox = Toolbox::builder().tool(greet::tool()).build().unwrap();
/// let server = McpServer::new(toolbox)
///     .with_implementation("greeter", "1.0.0")
///     .with_instructions("Greet people by name.")
///     .with_null_style(NullStyle::AnyOf);
/// assert_eq!(server.toolbox().len(), 1);
/// // Then, in an async main: server.serve_stdio().await
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct McpServer {
    pub(super) toolbox: Toolbox,
    /// The `tools/list` answer, built once; an error when a tool cannot be written in MCP's
    /// types (an input schema that is not an object).
    pub(super) tools: Result<Arc<[Tool]>, ErrorData>,
    nulls: NullStyle,
    pub(super) implementation: Implementation,
    pub(super) instructions: Option<String>,
    /// Cancelled when the server stops: every call in flight is cancelled with it.
    pub(super) stop: CancellationToken,
    /// Served over HTTP with sessions: the live sessions, whose calls end with them.
    pub(super) sessions: Option<Arc<Sessions>>,
}

impl McpServer {
    /// Serves `toolbox`, as the server `tool-runtime` (with this crate's version), with null
    /// written as `anyOf` ([`NullStyle::AnyOf`], the default) and no instructions.
    pub fn new(toolbox: Toolbox) -> Self {
        let nulls = NullStyle::default();
        McpServer {
            tools: convert::tools(&toolbox, nulls),
            toolbox,
            nulls,
            implementation: Implementation::new("tool-runtime", env!("CARGO_PKG_VERSION")),
            instructions: None,
            stop: CancellationToken::new(),
            sessions: None,
        }
    }

    /// The name and version the server gives clients when they connect.
    pub fn with_implementation(
        mut self,
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        self.implementation = Implementation::new(name, version);
        self
    }

    /// Instructions for the client's model on using the tools, sent when a client connects.
    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// How the schemas write a value that may be null; [`NullStyle::AnyOf`] for clients that
    /// refuse a list of types.
    pub fn with_null_style(mut self, nulls: NullStyle) -> Self {
        if nulls != self.nulls {
            self.nulls = nulls;
            self.tools = convert::tools(&self.toolbox, nulls);
        }
        self
    }

    /// The toolbox served.
    pub fn toolbox(&self) -> &Toolbox {
        &self.toolbox
    }

    /// Serves one client on stdin and stdout until it disconnects, as MCP clients run local
    /// servers. Nothing else may write to stdout meanwhile: log to stderr. Runs on a tokio
    /// runtime with IO enabled, as `#[tokio::main]` builds.
    ///
    /// When stdin closes (the client exited or died), every call in flight is cancelled (its
    /// tool sees [`CallContext::is_cancelled`](crate::CallContext::is_cancelled)) and this
    /// returns once their answers are written, instead of letting them run to their timeouts.
    ///
    /// ```no_run
    /// use tool_runtime::mcp::McpServer;
    /// use tool_runtime::Toolbox;
    ///
    /// #[tokio::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let toolbox = Toolbox::registered().expect("the tools fit together");
    ///     McpServer::new(toolbox).serve_stdio().await
    /// }
    /// ```
    pub async fn serve_stdio(mut self) -> io::Result<()> {
        self.stop = CancellationToken::new();
        let (stdin, stdout) = rmcp::transport::stdio_pipes();
        let stdin = CancelAtEnd {
            input: stdin,
            end: self.stop.clone(),
        };
        let transport = ExplainBadInitialize(AsyncRwTransport::new_server(stdin, stdout));
        let running = self.serve(transport).await.map_err(|error| {
            io::Error::other(format!(
                "the MCP client on stdin did not complete the handshake: {error}"
            ))
        })?;
        running.waiting().await.map_err(|error| {
            io::Error::other(format!("the MCP server stopped abnormally: {error}"))
        })?;
        Ok(())
    }

    /// Serves clients over streamable HTTP on `addr` (such as [`DEFAULT_HTTP_ADDR`], or
    /// `"127.0.0.1:0"` for any free port) until [`HttpServer::shutdown`].
    ///
    /// ```
    /// use tool_runtime::mcp::McpServer;
    /// use tool_runtime::Toolbox;
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let toolbox = Toolbox::builder().build().unwrap();
    ///     let server = McpServer::new(toolbox).serve_http("127.0.0.1:0").await?;
    ///     assert!(server.url().starts_with("http://127.0.0.1:"));
    ///     server.shutdown().await;
    ///     Ok(())
    /// }
    /// ```
    ///
    /// [`DEFAULT_HTTP_ADDR`]: super::DEFAULT_HTTP_ADDR
    pub async fn serve_http(self, addr: impl ToSocketAddrs) -> io::Result<HttpServer> {
        HttpServer::bind(self, addr).await
    }
}

/// An input that cancels `end` when it ends (or fails): the client is gone.
struct CancelAtEnd<R> {
    input: R,
    end: CancellationToken,
}

impl<R: AsyncRead + Unpin> AsyncRead for CancelAtEnd<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.input).poll_read(cx, buf);
        match &poll {
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 => {
                self.end.cancel();
            }
            Poll::Ready(Err(_)) => self.end.cancel(),
            _ => {}
        }
        poll
    }
}

/// A transport that answers an `initialize` whose params rmcp cannot read with what is wrong
/// with them. rmcp reads such a request as a method of its own, and before the handshake would
/// answer that its `_meta` lacks the fields of protocol 2026-07-28.
struct ExplainBadInitialize<T>(T);

impl<T: Transport<RoleServer>> Transport<RoleServer> for ExplainBadInitialize<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        message: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), T::Error>> + Send + 'static {
        self.0.send(message)
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            let message = self.0.receive().await?;
            if let ClientJsonRpcMessage::Request(request) = &message
                && let ClientRequest::CustomRequest(custom) = &request.request
                && custom.method == "initialize"
                && let Some(error) = handler::unreadable_params(custom)
            {
                let answer = ServerJsonRpcMessage::error(error, Some(request.id.clone()));
                if self.0.send(answer).await.is_err() {
                    return None; // the client is gone
                }
                continue;
            }
            return Some(message);
        }
    }

    fn close(&mut self) -> impl Future<Output = Result<(), T::Error>> + Send {
        self.0.close()
    }
}
