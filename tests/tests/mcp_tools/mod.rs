//! The tools the MCP tests serve, and the signals they give the tests.

use std::sync::Arc;
use std::time::Duration;

use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceExt};
use schemars::JsonSchema;
use serde::Serialize;
use tokio::sync::{Barrier, Notify};
use tool_runtime::{Toolbox, tool};

/// What `wait_for_cancel` tells the test: that it started, and that its future was dropped.
#[derive(Default)]
pub struct Probe {
    pub started: Notify,
    pub dropped: Notify,
}

/// Where two `meet` calls wait for each other: they finish only if they run at once.
pub struct Meeting(Barrier);

/// Notifies when dropped.
struct NotifyOnDrop<'a>(&'a Notify);

impl Drop for NotifyOnDrop<'_> {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

/// Adds two numbers.
#[tool(read_only, idempotent)]
pub async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// A city and its population.
#[derive(Serialize, JsonSchema)]
pub struct City {
    /// The city's name.
    pub name: String,
    /// How many people live there.
    pub population: u64,
}

/// Looks a city up.
///
/// # Arguments
/// * `name` - the city's name
#[tool]
pub async fn city(name: String) -> Result<City, String> {
    match name.as_str() {
        "Paris" => Ok(City {
            name,
            population: 2_100_000,
        }),
        _ => Err(format!("no city named {name:?}")),
    }
}

/// Never answers within its time.
#[tool(timeout = "50ms")]
pub async fn stall() -> String {
    std::future::pending().await
}

/// Panics.
#[tool]
pub async fn explode() -> String {
    panic!("boom")
}

/// Waits until another call of it has come too, then answers.
#[tool]
pub async fn meet(who: String, #[state] meeting: &Meeting) -> String {
    meeting.0.wait().await;
    format!("{who} met")
}

/// Waits until the call is cancelled, saying when it starts and when it is dropped.
#[tool]
pub async fn wait_for_cancel(#[state] probe: &Probe) -> String {
    probe.started.notify_one();
    let _dropped = NotifyOnDrop(&probe.dropped);
    std::future::pending().await
}

/// The tools above, sharing `probe` with the test.
pub fn toolbox(probe: &Arc<Probe>) -> Toolbox {
    Toolbox::builder()
        .tools([
            add::tool(),
            city::tool(),
            stall::tool(),
            explode::tool(),
            meet::tool(),
            wait_for_cancel::tool(),
        ])
        .state_arc(probe.clone())
        .state(Meeting(Barrier::new(2)))
        .default_timeout(Duration::from_secs(60))
        .build()
        .expect("the test tools fit together")
}

/// Awaits `signal`, failing the test if it does not come within ten seconds.
pub async fn within_10s<T>(what: &str, signal: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), signal)
        .await
        .unwrap_or_else(|_| panic!("{what} did not happen within 10 s"))
}

/// An rmcp client connected to the streamable HTTP server at `url`.
pub async fn http_client(url: String) -> RunningService<RoleClient, ()> {
    // reqwest is built with rustls for the examples, which choose the crypto provider: it must
    // be installed before a client is built, even one that only speaks plain http.
    let _ = rustls::crypto::ring::default_provider().install_default();
    ().serve(StreamableHttpClientTransport::from_uri(url))
        .await
        .expect("handshake")
}
