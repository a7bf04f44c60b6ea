//! The five example tools as an MCP server, on the demo environment (a local HTTP server, a
//! SQLite database and a folder, made on this machine): over stdio by default, the way MCP
//! clients start local servers, or over streamable HTTP with `--http [ADDR]` (127.0.0.1:8000
//! when no address is given). Over HTTP, the environment variable `MCP_TOKEN` makes every
//! request need `Authorization: Bearer $MCP_TOKEN`; an address other machines reach needs it,
//! or `--allow-unauthenticated-remote` for a network you trust.
//!
//! ```text
//! cargo run --example mcp_server                              # stdio
//! cargo run --example mcp_server -- --http 127.0.0.1:8000    # http://127.0.0.1:8000/mcp
//! MCP_TOKEN=$(openssl rand -hex 32) cargo run --example mcp_server -- --http 0.0.0.0:8000
//! ```
//!
//! An MCP client starts it from its configuration, as in Claude Desktop's
//! `claude_desktop_config.json`:
//!
//! ```json
//! {"mcpServers": {"tool-runtime": {"command": "cargo",
//!   "args": ["run", "-q", "--manifest-path", "/path/to/tool-runtime/Cargo.toml", "--example", "mcp_server"]}}}
//! ```

use examples::{BoxError, Demo};
use tool_runtime::mcp::{DEFAULT_HTTP_ADDR, HttpServer, McpServer};

/// Where to serve: stdio, or HTTP on an address, perhaps open to anyone who reaches it.
enum Transport {
    Stdio,
    Http { addr: String, open: bool },
}

const USAGE: &str = "usage: mcp_server [--http [ADDR] [--allow-unauthenticated-remote]]; with \
                     no argument it serves stdio";

fn transport(args: impl Iterator<Item = String>) -> Result<Transport, BoxError> {
    let args: Vec<String> = args.collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let open = "--allow-unauthenticated-remote";
    match args.as_slice() {
        [] => Ok(Transport::Stdio),
        ["--http", rest @ ..] => {
            let (addr, open) = match rest {
                [] => (DEFAULT_HTTP_ADDR.to_string(), false),
                [flag] if *flag == open => (DEFAULT_HTTP_ADDR.to_string(), true),
                [addr] => (addr.to_string(), false),
                [addr, flag] if *flag == open => (addr.to_string(), true),
                _ => return Err(USAGE.into()),
            };
            Ok(Transport::Http { addr, open })
        }
        _ => Err(USAGE.into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let transport = transport(std::env::args().skip(1))?;
    let demo = Demo::start().await?;
    let instructions = format!(
        "fetch_url reads the pages of a local site: {} (also /article, /data.json, \
         /slow?ms=N). query_db queries a SQLite table cities(name, country, population, \
         area_km2). read_file reads notes/todo.txt and data/cities.csv. parse_csv_summary \
         summarises CSV text.",
        demo.server.url("/hello")
    );
    let server = McpServer::new(demo.toolbox.clone())
        .with_implementation("tool-runtime-examples", env!("CARGO_PKG_VERSION"))
        .with_instructions(instructions);
    // stdout carries the protocol on stdio: everything for people goes to stderr.
    match transport {
        Transport::Stdio => {
            eprintln!("serving the example tools on stdio");
            server.serve_stdio().await?;
        }
        Transport::Http { addr, open } => {
            let mut builder = HttpServer::builder(server);
            let token = std::env::var("MCP_TOKEN").ok();
            if let Some(token) = &token {
                builder = builder.bearer_tokens([token.clone()]);
            }
            if open {
                builder = builder.allow_unauthenticated_remote();
            }
            let http = builder.bind(addr).await?;
            if open && token.is_none() && !http.local_addr().ip().is_loopback() {
                eprintln!(
                    "warning: anyone who reaches {} may call every tool without a token",
                    http.url()
                );
            }
            eprintln!("serving the example tools at {}; Ctrl-C stops", http.url());
            tokio::signal::ctrl_c().await?;
            http.shutdown().await;
        }
    }
    Ok(())
}
