//! `RemoteServers` over three replicas of one MCP server on 127.0.0.1, each behind a plug the
//! test can pull (its connections cut and its port closed, as when the process dies): calls
//! spread over the replicas, a dead replica gets none and no call is lost, a replica that dies
//! mid-call has its idempotent calls retried elsewhere and its other calls reported as an
//! unknown outcome (run once at most), a restarted replica is probed back, a replica that
//! hangs is marked down, one serving other tools takes no call, and the toolbox's deadline and
//! cancellation hold across the retries. Runs are counted in the tools' state.
//! The replicas keep sessions, except in one test where they are stateless.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tool_runtime::mcp::{HttpServer, McpServer, RemoteServers};
use tool_runtime::{CancellationToken, ToolCall, Toolbox, tool};

/// What the replicas' tools do.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// Answer at once.
    Answer,
    /// The first run on any replica hangs (until dropped); the others answer.
    HangFirst,
    /// Every run hangs.
    HangAll,
}

/// What the replicas share with the test: how the tools behave, and which replica a hanging
/// run is on.
struct Shared {
    mode: Mutex<Mode>,
    hanging: mpsc::UnboundedSender<usize>,
}

/// One replica's state: its runs by `tool key`, and how many hanging runs were dropped.
struct Replica {
    index: usize,
    shared: Arc<Shared>,
    runs: Mutex<HashMap<String, u32>>,
    dropped: AtomicUsize,
}

/// Counts a hanging run's drop.
struct CountDrop<'a>(&'a AtomicUsize);

impl Drop for CountDrop<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Replica {
    async fn run(&self, tool: &str, key: &str) -> String {
        *self
            .runs
            .lock()
            .unwrap()
            .entry(format!("{tool} {key}"))
            .or_default() += 1;
        let hang = {
            let mut mode = self.shared.mode.lock().unwrap();
            match *mode {
                Mode::Answer => false,
                Mode::HangFirst => {
                    *mode = Mode::Answer;
                    true
                }
                Mode::HangAll => true,
            }
        };
        if hang {
            let _dropped = CountDrop(&self.dropped);
            self.shared.hanging.send(self.index).unwrap();
            std::future::pending::<()>().await;
        }
        format!("{tool} {key} on replica {}", self.index)
    }

    fn runs(&self) -> u32 {
        self.runs.lock().unwrap().values().sum()
    }
}

/// Looks a key up: read-only, so a call that may have run can be sent again.
#[tool(read_only, idempotent)]
async fn lookup(key: String, #[state] replica: &Arc<Replica>) -> String {
    replica.run("lookup", &key).await
}

/// Books a slot: neither read-only nor idempotent, so never sent twice.
#[tool]
async fn book(key: String, #[state] replica: &Arc<Replica>) -> String {
    replica.run("book", &key).await
}

/// A TCP relay in front of a replica, which the test pulls (every connection cut, the port
/// closed: what clients see when the process dies) and puts back.
struct Plug {
    addr: SocketAddr,
    /// The relay's task, the token that pulls it, and the one that freezes it.
    relay: Mutex<Option<(CancellationToken, CancellationToken, JoinHandle<()>)>>,
}

impl Plug {
    async fn new(backend: SocketAddr) -> Plug {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let plug = Plug {
            addr: listener.local_addr().unwrap(),
            relay: Mutex::default(),
        };
        plug.plug_in(listener, backend);
        plug
    }

    fn plug_in(&self, listener: TcpListener, backend: SocketAddr) {
        let (pull, freeze) = (CancellationToken::new(), CancellationToken::new());
        let task = tokio::spawn(relay(listener, backend, pull.clone(), freeze.clone()));
        *self.relay.lock().unwrap() = Some((pull, freeze, task));
    }

    /// Cuts every connection and closes the port; returns once they are closed.
    async fn pull(&self) {
        let (pull, _, task) = self.relay.lock().unwrap().take().expect("plugged in");
        pull.cancel();
        task.await.unwrap();
    }

    /// From now on nothing crosses: connections are accepted and kept open, and no byte goes
    /// either way (a process that hangs, or is stopped with `SIGSTOP`).
    fn freeze(&self) {
        let relay = self.relay.lock().unwrap();
        relay.as_ref().expect("plugged in").1.cancel();
    }

    /// Opens the port again, relaying to `backend`.
    async fn put_back(&self, backend: SocketAddr) {
        self.plug_in(TcpListener::bind(self.addr).await.unwrap(), backend);
    }
}

/// Relays each connection to `backend` until `pull`, then closes them all; after `freeze`,
/// holds them open and relays nothing.
async fn relay(
    listener: TcpListener,
    backend: SocketAddr,
    pull: CancellationToken,
    freeze: CancellationToken,
) {
    let mut connections = JoinSet::new();
    loop {
        let (mut inbound, _) = tokio::select! {
            () = pull.cancelled() => break,
            accepted = listener.accept() => accepted.unwrap(),
        };
        let freeze = freeze.clone();
        connections.spawn(async move {
            if !freeze.is_cancelled()
                && let Ok(mut outbound) = TcpStream::connect(backend).await
            {
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => return,
                    () = freeze.cancelled() => {}
                }
            }
            // Frozen: the connection stays open until the plug is pulled.
            std::future::pending::<()>().await;
            drop(inbound);
        });
    }
    // The port first, so that no connection waits in its backlog, then the connections.
    drop(listener);
    connections.shutdown().await;
}

/// Three replicas behind their plugs.
struct Cluster {
    /// Whether the replicas keep no session (`HttpServerBuilder::stateless`).
    stateless: bool,
    shared: Arc<Shared>,
    hanging: mpsc::UnboundedReceiver<usize>,
    replicas: Vec<Arc<Replica>>,
    servers: Vec<Option<HttpServer>>,
    plugs: Vec<Plug>,
}

impl Cluster {
    async fn start() -> Cluster {
        Cluster::start_with(false).await
    }

    async fn start_with(stateless: bool) -> Cluster {
        let (tx, hanging) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Answer),
            hanging: tx,
        });
        let mut cluster = Cluster {
            stateless,
            shared,
            hanging,
            replicas: Vec::new(),
            servers: Vec::new(),
            plugs: Vec::new(),
        };
        for index in 0..3 {
            let (replica, server) = cluster.serve(index).await;
            cluster.plugs.push(Plug::new(server.local_addr()).await);
            cluster.replicas.push(replica);
            cluster.servers.push(Some(server));
        }
        cluster
    }

    /// A new replica `index` (fresh state) on a port of its own.
    async fn serve(&self, index: usize) -> (Arc<Replica>, HttpServer) {
        let replica = Arc::new(Replica {
            index,
            shared: self.shared.clone(),
            runs: Mutex::default(),
            dropped: AtomicUsize::new(0),
        });
        let toolbox = Toolbox::builder()
            .tools([lookup::tool(), book::tool()])
            .state(replica.clone())
            .build()
            .unwrap();
        let mut server = HttpServer::builder(McpServer::new(toolbox));
        if self.stateless {
            server = server.stateless();
        }
        (replica, server.bind("127.0.0.1:0").await.unwrap())
    }

    fn urls(&self) -> Vec<String> {
        self.plugs
            .iter()
            .map(|plug| format!("http://{}/mcp", plug.addr))
            .collect()
    }

    fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// The replica a run hangs on, once one does.
    async fn next_hang(&mut self) -> usize {
        within_10s("a hanging run", self.hanging.recv())
            .await
            .unwrap()
    }

    /// Replica `index` dies: its connections are cut, its port closed, its server stopped.
    async fn kill(&mut self, index: usize) {
        self.plugs[index].pull().await;
        if let Some(server) = self.servers[index].take() {
            server.shutdown().await;
        }
    }

    /// Replica `index` starts again, with fresh state, at the same URL.
    async fn restart(&mut self, index: usize) {
        let (replica, server) = self.serve(index).await;
        self.plugs[index].put_back(server.local_addr()).await;
        self.replicas[index] = replica;
        self.servers[index] = Some(server);
    }

    fn runs(&self) -> Vec<u32> {
        self.replicas.iter().map(|replica| replica.runs()).collect()
    }

    /// How many times `tool key` ran, on all replicas together.
    fn runs_of(&self, tool: &str, key: &str) -> u32 {
        let name = format!("{tool} {key}");
        self.replicas
            .iter()
            .map(|replica| {
                replica
                    .runs
                    .lock()
                    .unwrap()
                    .get(&name)
                    .copied()
                    .unwrap_or(0)
            })
            .sum()
    }
}

/// A toolbox of the cluster's tools, waiting at most `timeout` for a call.
async fn toolbox(cluster: &Cluster, timeout: Duration) -> (RemoteServers, Toolbox) {
    // reqwest is built with rustls for the examples, which choose the crypto provider: it must
    // be installed before a client is built, even one that only speaks plain http.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let servers = RemoteServers::builder(cluster.urls())
        .probe_backoff(Duration::from_millis(50), Duration::from_millis(200))
        .connect()
        .await
        .expect("the replicas answer");
    let toolbox = Toolbox::builder()
        .tools(servers.tools())
        .default_timeout(timeout)
        .build()
        .unwrap();
    (servers, toolbox)
}

/// Awaits `signal`, failing the test if it does not come within ten seconds.
async fn within_10s<T>(what: &str, signal: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), signal)
        .await
        .unwrap_or_else(|_| panic!("{what} did not happen within 10 s"))
}

/// Waits (ten seconds at most) until `done` holds.
async fn until(what: &str, done: impl Fn() -> bool) {
    within_10s(what, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_spread_over_the_servers() {
    let mut cluster = Cluster::start().await;
    let (servers, toolbox) = toolbox(&cluster, Duration::from_secs(10)).await;
    let names: Vec<&str> = toolbox.specs().map(|s| s.name.as_ref()).collect();
    assert_eq!(names, ["book", "lookup"]);

    // One call at a time: each replica's turn comes in order.
    for i in 0..30 {
        let output = toolbox.call("lookup", json!({"key": i.to_string()})).await;
        assert!(!output.is_error(), "{}", output.text());
    }
    assert_eq!(cluster.runs(), [10, 10, 10]);

    // Calls at once: each goes to a replica with the fewest in flight.
    cluster.set_mode(Mode::HangAll);
    let stop = CancellationToken::new();
    let mut calls = JoinSet::new();
    for i in 0..3 {
        let (toolbox, stop) = (toolbox.clone(), stop.clone());
        let call = ToolCall::new(i.to_string(), "lookup", json!({"key": format!("held {i}")}));
        calls.spawn(async move { toolbox.call_with(call, &stop).await });
    }
    let mut on = vec![cluster.next_hang().await];
    on.push(cluster.next_hang().await);
    on.push(cluster.next_hang().await);
    on.sort();
    assert_eq!(on, [0, 1, 2]);
    assert!(servers.endpoints().iter().all(|e| e.up && e.in_flight == 1));
    stop.cancel();
    while let Some(result) = calls.join_next().await {
        assert!(result.unwrap().output.is_error());
    }
    until("the calls in flight end", || {
        servers.endpoints().iter().all(|e| e.in_flight == 0)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_gets_no_calls_and_none_are_lost() {
    let mut cluster = Cluster::start().await;
    let (servers, toolbox) = toolbox(&cluster, Duration::from_secs(10)).await;
    cluster.kill(2).await;

    // Its connections are refused: nothing was sent, so any call goes to another replica,
    // the non-idempotent ones too.
    for i in 0..30 {
        let (tool, key) = (["lookup", "book"][i % 2], i.to_string());
        let output = toolbox.call(tool, json!({"key": key})).await;
        assert!(!output.is_error(), "{}", output.text());
        assert!(!output.text().ends_with("replica 2"));
        assert_eq!(cluster.runs_of(tool, &key), 1, "{tool} {key} ran once");
    }
    let runs = cluster.runs();
    assert_eq!((runs[0] + runs[1], runs[2]), (30, 0));
    let endpoints = servers.endpoints();
    assert!(endpoints[0].up && endpoints[1].up && !endpoints[2].up);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_dying_mid_call_retries_idempotent_calls_only() {
    dying_mid_call(Cluster::start().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stateless_server_dying_mid_call_retries_idempotent_calls_only() {
    dying_mid_call(Cluster::start_with(true).await).await;
}

async fn dying_mid_call(mut cluster: Cluster) {
    let (_servers, toolbox) = toolbox(&cluster, Duration::from_secs(10)).await;

    // Read-only: the call that was lost with its replica is sent to another one.
    cluster.set_mode(Mode::HangFirst);
    let call = tokio::spawn({
        let toolbox = toolbox.clone();
        async move { toolbox.call("lookup", json!({"key": "k"})).await }
    });
    let dead = cluster.next_hang().await;
    cluster.kill(dead).await;
    let output = within_10s("the retried call", call).await.unwrap();
    assert!(!output.is_error(), "{}", output.text());
    assert!(!output.text().ends_with(&format!("replica {dead}")));
    assert_eq!(cluster.runs_of("lookup", "k"), 2, "once on each replica");

    // Not idempotent: it may have run, so it is not sent again, and the model is told.
    cluster.set_mode(Mode::HangFirst);
    let call = tokio::spawn({
        let toolbox = toolbox.clone();
        async move { toolbox.call("book", json!({"key": "b"})).await }
    });
    let dead = cluster.next_hang().await;
    cluster.kill(dead).await;
    let output = within_10s("the lost call", call).await.unwrap();
    assert!(output.is_error());
    assert_eq!(
        output.text(),
        "book failed: unknown outcome: the server stopped answering after the call was sent, \
         so it may or may not have run. Check whether it did before calling again."
    );
    assert_eq!(cluster.runs_of("book", "b"), 1, "never sent twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_is_probed_back() {
    let mut cluster = Cluster::start().await;
    let (servers, toolbox) = toolbox(&cluster, Duration::from_secs(10)).await;
    cluster.kill(0).await;
    // Read-only calls: the first one goes to the dead replica at once, perhaps on the
    // kept-alive connection whose closing the client has not read yet, and that request counts
    // as sent (HTTP cannot tell): it is sent again elsewhere only because it is read-only.
    for i in 0..9 {
        let output = toolbox.call("lookup", json!({"key": i.to_string()})).await;
        assert!(!output.is_error(), "{}", output.text());
    }
    assert!(
        !servers.endpoints()[0].up,
        "three failed requests mark it down"
    );

    // Started again (a new process: new sessions, no runs yet), it is probed and takes calls.
    cluster.restart(0).await;
    until("the restarted replica is up", || servers.endpoints()[0].up).await;
    for i in 0..9 {
        let output = toolbox.call("lookup", json!({"key": i.to_string()})).await;
        assert!(!output.is_error(), "{}", output.text());
    }
    assert_eq!(cluster.runs()[0], 3, "its turn every third call");
    assert_eq!(cluster.runs()[1] + cluster.runs()[2], 9 + 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_and_cancellation_cover_the_retries() {
    let mut cluster = Cluster::start().await;
    let (servers, toolbox) = toolbox(&cluster, Duration::from_secs(3)).await;
    cluster.set_mode(Mode::HangAll);

    // The first replica dies mid-call; the retry hangs on the next one until the toolbox's
    // timeout, which counts from the first try, ends it: the call is not sent a third time.
    let call = tokio::spawn({
        let toolbox = toolbox.clone();
        async move { toolbox.call("lookup", json!({"key": "deadline"})).await }
    });
    let dead = cluster.next_hang().await;
    cluster.kill(dead).await;
    let retried = cluster.next_hang().await;
    let output = within_10s("the timed-out call", call).await.unwrap();
    assert_eq!(
        output.text(),
        "lookup timed out after 3s. Try again with a smaller request, or do without it."
    );
    assert_eq!(cluster.runs_of("lookup", "deadline"), 2);
    let replica = cluster.replicas[retried].clone();
    until("the retried run is cancelled on its server", || {
        replica.dropped.load(Ordering::SeqCst) == 1
    })
    .await;

    // The same with the caller cancelling while the retry runs.
    cluster.restart(dead).await;
    until("the restarted replica is up", || {
        servers.endpoints()[dead].up
    })
    .await;
    let stop = CancellationToken::new();
    let call = tokio::spawn({
        let (toolbox, stop) = (toolbox.clone(), stop.clone());
        let call = ToolCall::new("c", "lookup", json!({"key": "cancel"}));
        async move { toolbox.call_with(call, &stop).await }
    });
    let dead = cluster.next_hang().await;
    cluster.kill(dead).await;
    let retried = cluster.next_hang().await;
    let dropped_before = cluster.replicas[retried].dropped.load(Ordering::SeqCst);
    stop.cancel();
    let result = within_10s("the cancelled call", call).await.unwrap();
    assert_eq!(
        result.output.text(),
        "lookup was cancelled before it finished."
    );
    assert_eq!(cluster.runs_of("lookup", "cancel"), 2);
    let replica = cluster.replicas[retried].clone();
    until("the retried run is cancelled on its server", || {
        replica.dropped.load(Ordering::SeqCst) == dropped_before + 1
    })
    .await;
}

/// How many times the other version's `book` ran.
static OTHER_BOOKINGS: AtomicUsize = AtomicUsize::new(0);

/// Another version of the server's `book`: the same name, other arguments.
#[tool(name = "book")]
async fn book_seats(key: String, seats: Option<u32>) -> String {
    OTHER_BOOKINGS.fetch_add(1, Ordering::SeqCst);
    format!("booked {} seats for {key}", seats.unwrap_or(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_serving_other_tools_takes_no_calls_even_when_the_others_are_down() {
    let mut cluster = Cluster::start().await;
    let other = Toolbox::builder()
        .tools([lookup::tool(), book_seats::tool()])
        .state(cluster.replicas[0].clone())
        .build()
        .unwrap();
    let other = HttpServer::builder(McpServer::new(other))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let urls = [
        cluster.urls()[0].clone(),
        format!("http://{}/mcp", other.local_addr()),
    ];
    let servers = RemoteServers::builder(urls)
        .probe_backoff(Duration::from_millis(50), Duration::from_millis(200))
        .connect()
        .await
        .expect("the replicas answer");
    let toolbox = Toolbox::builder()
        .tools(servers.tools())
        .default_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    assert!(!servers.endpoints()[1].up, "its `book` differs");

    // The one replica that serves the tools as listed dies: the calls are not sent to the
    // other version, not even as a last resort, nor after its probes. (The first may be an
    // unknown outcome, sent on the kept-alive connection to the dying replica.)
    cluster.kill(0).await;
    for i in 0..6 {
        let output = toolbox.call("book", json!({"key": i.to_string()})).await;
        assert!(output.is_error(), "{}", output.text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        toolbox.call("book", json!({"key": "last"})).await.text(),
        "book failed: none of the 2 MCP servers answered the call. Try again in a moment, or \
         do without this tool."
    );
    assert_eq!(OTHER_BOOKINGS.load(Ordering::SeqCst), 0);
    assert!(servers.endpoints().iter().all(|e| !e.up));
    other.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stops_answering_is_marked_down() {
    let cluster = Cluster::start().await;
    let (servers, toolbox) = toolbox(&cluster, Duration::from_secs(1)).await;
    // Replica 0 hangs: it accepts connections and never answers.
    cluster.plugs[0].freeze();

    // One call at a time, each replica in turn: the calls sent to the frozen replica time
    // out, and three of them in a row mark it down, so that the calls after them are answered.
    let mut timed_out = 0;
    for i in 0..12 {
        let output = toolbox.call("lookup", json!({"key": i.to_string()})).await;
        if output.is_error() {
            assert_eq!(
                output.text(),
                "lookup timed out after 1s. Try again with a smaller request, or do without \
                 it."
            );
            timed_out += 1;
        }
    }
    assert_eq!(timed_out, 3);
    assert!(!servers.endpoints()[0].up);
    assert_eq!(cluster.runs()[0], 0);
}
