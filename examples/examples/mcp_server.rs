//! The five example tools as an MCP server, on the demo environment (a local HTTP server, a
//! SQLite database and a folder, made on this machine): over stdio by default, the way MCP
//! clients start local servers, or over streamable HTTP with `--http [ADDR]` (127.0.0.1:8000
//! when no address is given).
//!
//! ```text
//! cargo run --example mcp_server                              # stdio
//! cargo run --example mcp_server -- --http 127.0.0.1:8000    # http://127.0.0.1:8000/mcp
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
use tool_runtime::mcp::{DEFAULT_HTTP_ADDR, McpServer};

/// Where to serve: stdio, or HTTP on an address.
enum Transport {
    Stdio,
    Http(String),
}

fn transport(mut args: impl Iterator<Item = String>) -> Result<Transport, BoxError> {
    match (args.next(), args.next(), args.next()) {
        (None, _, _) => Ok(Transport::Stdio),
        (Some(flag), addr, None) if flag == "--http" => Ok(Transport::Http(
            addr.unwrap_or_else(|| DEFAULT_HTTP_ADDR.to_string()),
        )),
        _ => Err("usage: mcp_server [--http [ADDR]]; with no argument it serves stdio".into()),
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
        Transport::Http(addr) => {
            let http = server.serve_http(addr).await?;
            eprintln!("serving the example tools at {}; Ctrl-C stops", http.url());
            tokio::signal::ctrl_c().await?;
            http.shutdown().await;
        }
    }
    Ok(())
}
