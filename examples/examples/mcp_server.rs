//! The five example tools as an MCP server, on the demo environment (a local HTTP server, a
//! SQLite database and a folder, made on this machine): over stdio by default, the way MCP
//! clients start local servers, or over streamable HTTP.
//!
//! ```text
//! cargo run --example mcp_server                              # stdio
//! cargo run --example mcp_server -- --http                   # http://127.0.0.1:8000/mcp
//! cargo run --example mcp_server -- --port 9001 --stateless  # http://127.0.0.1:9001/mcp, no sessions
//! MCP_TOKEN=$(openssl rand -hex 32) cargo run --example mcp_server -- --http 0.0.0.0:8000
//! ```
//!
//! Over HTTP:
//! - `--http [ADDR]` serves at ADDR (127.0.0.1:8000 when no address is given); `--port N`
//!   serves on port N (of 127.0.0.1, or of the address `--http` gives);
//! - `--stateless` keeps no session, so that several replicas can serve behind a load balancer
//!   (see `deploy/`);
//! - the environment variable `MCP_TOKEN` makes every request need `Authorization: Bearer
//!   $MCP_TOKEN`; an address other machines reach needs it, or `--allow-unauthenticated-remote`
//!   for a network you trust;
//! - `MCP_ALLOWED_HOSTS` and `MCP_ALLOWED_ORIGINS` (comma-separated) name the host names clients
//!   reach the server by and the browser origins that may use it;
//! - `--call-log FILE` adds the tool `record_call(id, delay_ms)`, neither read-only nor
//!   idempotent, which appends `id` to FILE when it runs: `deploy/local-cluster.sh` counts the
//!   calls run twice from the replicas' logs;
//! - `/healthz` and `/readyz` answer health checks. On `SIGTERM` or Ctrl-C, readiness fails for
//!   `MCP_DRAIN_SECONDS` (5 by default) while the server goes on serving, then it stops.
//!
//! An MCP client starts it from its configuration, as in Claude Desktop's
//! `claude_desktop_config.json`:
//!
//! ```json
//! {"mcpServers": {"tool-runtime": {"command": "cargo",
//!   "args": ["run", "-q", "--manifest-path", "/path/to/tool-runtime/Cargo.toml", "--example", "mcp_server"]}}}
//! ```

use std::io::{ErrorKind, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use examples::tools::{Database, FilesRoot, HttpClient};
use examples::{BoxError, Demo};
use tool_runtime::mcp::{DEFAULT_HTTP_ADDR, HttpServer, McpServer};
use tool_runtime::tool;

const USAGE: &str = "usage: mcp_server [--http [ADDR]] [--port N] [--stateless] \
                     [--allow-unauthenticated-remote] [--call-log FILE]; with no argument it \
                     serves stdio";

/// Where `record_call` appends the ids of the calls it runs.
struct CallLog(Mutex<std::fs::File>);

/// Records a call: appends `id` to the server's call log, then waits `delay_ms`. Not
/// idempotent: a client must never send it twice.
///
/// # Arguments
/// * `id` - the call's id, unique to it
/// * `delay_ms` - how long to wait after recording, in milliseconds (at most 10,000)
#[tool(timeout = "15s", open_world = false)]
async fn record_call(
    id: String,
    #[arg(default)]
    #[schemars(range(max = 10_000))]
    delay_ms: u64,
    #[state] log: &CallLog,
) -> Result<String, std::io::Error> {
    writeln!(log.0.lock().expect("never poisoned"), "{id}")?;
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    Ok(format!("recorded {id}"))
}

/// How to serve HTTP, from the command line.
#[derive(Default)]
struct Http {
    addr: Option<SocketAddr>,
    port: Option<u16>,
    stateless: bool,
    open: bool,
    call_log: Option<PathBuf>,
}

/// HTTP settings, or `None` for stdio.
fn http(args: impl Iterator<Item = String>) -> Result<Option<Http>, BoxError> {
    let mut args = args.peekable();
    if args.peek().is_none() {
        return Ok(None);
    }
    let mut http = Http::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--http" => {
                if let Some(addr) = args.next_if(|next| !next.starts_with("--")) {
                    http.addr = Some(addr.parse().map_err(|_| format!("{addr}: {USAGE}"))?);
                }
            }
            "--port" => {
                let port = args.next().ok_or(USAGE)?;
                http.port = Some(port.parse().map_err(|_| format!("{port}: {USAGE}"))?);
            }
            "--stateless" => http.stateless = true,
            "--allow-unauthenticated-remote" => http.open = true,
            "--call-log" => http.call_log = Some(args.next().ok_or(USAGE)?.into()),
            _ => return Err(USAGE.into()),
        }
    }
    Ok(Some(http))
}

/// A comma-separated list from the environment variable `name`.
fn list_from_env(name: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Completes at Ctrl-C or, on Unix, `SIGTERM` (how Kubernetes and Docker ask a process to
/// stop). `SIGTERM` is listened for from this call on, not from the future's first poll, so
/// that one sent as soon as the server serves drains it rather than ending the process.
fn stop_requested() -> std::io::Result<impl Future<Output = std::io::Result<()>>> {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            stopped = ctrl_c => stopped,
            _ = terminate.recv() => Ok(()),
        }
        #[cfg(not(unix))]
        ctrl_c.await
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let http = http(std::env::args().skip(1))?;
    let demo = Demo::start().await?;
    let instructions = format!(
        "fetch_url reads the pages of a local site: {} (also /article, /data.json, \
         /slow?ms=N). query_db queries a SQLite table cities(name, country, population, \
         area_km2). read_file reads notes/todo.txt and data/cities.csv. parse_csv_summary \
         summarises CSV text.",
        demo.server.url("/hello")
    );
    let mut toolbox = demo.toolbox.clone();
    if let Some(path) = http.as_ref().and_then(|http| http.call_log.as_ref()) {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        toolbox = examples::toolbox_builder(
            HttpClient::allowing([demo.server.addr()])?,
            Database::open_read_only(&demo.database())?,
            FilesRoot::new(&demo.files())?,
        )
        .tool(record_call::tool())
        .state(CallLog(Mutex::new(file)))
        .build()?;
    }
    let server = McpServer::new(toolbox)
        .with_implementation("tool-runtime-examples", env!("CARGO_PKG_VERSION"))
        .with_instructions(instructions);
    // stdout carries the protocol on stdio: everything for people goes to stderr.
    let Some(http) = http else {
        eprintln!("serving the example tools on stdio");
        server.serve_stdio().await?;
        return Ok(());
    };
    let mut addr = http.addr.unwrap_or(DEFAULT_HTTP_ADDR);
    if let Some(port) = http.port {
        addr.set_port(port);
    }
    let allowed_hosts = list_from_env("MCP_ALLOWED_HOSTS");
    let mut builder = HttpServer::builder(server)
        .allowed_hosts(allowed_hosts.clone())
        .allowed_origins(list_from_env("MCP_ALLOWED_ORIGINS"));
    let token = std::env::var("MCP_TOKEN")
        .ok()
        .filter(|token| !token.is_empty());
    if let Some(token) = &token {
        builder = builder.bearer_tokens([token.clone()]);
    }
    if http.open {
        builder = builder.allow_unauthenticated_remote();
    }
    if http.stateless {
        builder = builder.stateless();
    }
    let stop = stop_requested()?;
    let server = match builder.bind(addr).await {
        Err(error) if error.kind() == ErrorKind::PermissionDenied => {
            let hint = "with this example: set MCP_TOKEN, or pass --allow-unauthenticated-remote";
            return Err(format!("{error}; {hint}").into());
        }
        bound => bound?,
    };
    let ip = server.local_addr().ip();
    if http.open && token.is_none() && !ip.is_loopback() {
        eprintln!(
            "warning: anyone who reaches {} may call every tool without a token",
            server.url()
        );
    }
    if ip.is_unspecified() && allowed_hosts.is_empty() {
        eprintln!(
            "note: requests must name this server localhost, 127.0.0.1 or ::1 in their Host \
             header; set MCP_ALLOWED_HOSTS to the names other machines reach it by"
        );
    }
    let sessions = if http.stateless {
        "stateless"
    } else {
        "with sessions"
    };
    eprintln!(
        "serving the example tools at {} ({sessions}); Ctrl-C stops",
        server.url()
    );
    stop.await?;
    let drain: u64 = std::env::var("MCP_DRAIN_SECONDS")
        .ok()
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or(5);
    server.drain();
    eprintln!("stopping: not ready any more, serving for {drain} s more");
    tokio::time::sleep(Duration::from_secs(drain)).await;
    server.shutdown().await;
    Ok(())
}
