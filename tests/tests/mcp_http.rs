//! The MCP HTTP server as an attacker or a careless deployment meets it: origins, bearer
//! tokens, sessions bound to identities, paths, non-loopback binds, and the bounds on what a
//! client can hold (header-read timeout, connection cap, body limit before buffering, session
//! cap). Real HTTP on 127.0.0.1, with reqwest or raw TCP where the attack needs it.

#[allow(dead_code)] // shared by the MCP tests; this one does not start rmcp clients
mod mcp_tools;

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tool_runtime::mcp::{HttpServer, HttpServerBuilder, McpServer};

use mcp_tools::{Probe, within_10s};

fn builder() -> HttpServerBuilder {
    HttpServer::builder(McpServer::new(mcp_tools::toolbox(&Arc::new(
        Probe::default(),
    ))))
}

/// A client speaking MCP's HTTP by hand, to send what real clients would not.
struct Raw {
    http: reqwest::Client,
    url: String,
}

const INITIALIZE: &str = r#"{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {},
    "clientInfo": {"name": "tests", "version": "0"}}}"#;

impl Raw {
    fn new(server: &HttpServer) -> Self {
        Raw::at(server.url())
    }

    fn at(url: String) -> Self {
        // The workspace builds reqwest with rustls and no crypto provider: install ring first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Raw {
            http: reqwest::Client::new(),
            url,
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        body: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, &self.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body.to_owned());
        if !headers
            .iter()
            .any(|(name, _)| *name == "mcp-protocol-version")
        {
            request = request.header("mcp-protocol-version", "2025-06-18");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        within_10s("an answer", request.send())
            .await
            .expect("the server answers")
    }

    async fn post(&self, body: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        self.send(reqwest::Method::POST, body, headers).await
    }

    /// Starts a session with `headers` (such as a token), and returns its id.
    async fn session(&self, headers: &[(&str, &str)]) -> String {
        let response = self.post(INITIALIZE, headers).await;
        assert_eq!(response.status(), StatusCode::OK);
        let id = response.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let _ = response.text().await;
        let mut headers = headers.to_vec();
        headers.push(("mcp-session-id", &id));
        let initialized = r#"{"jsonrpc": "2.0", "method": "notifications/initialized"}"#;
        assert_eq!(
            self.post(initialized, &headers).await.status(),
            StatusCode::ACCEPTED
        );
        id
    }

    /// `tools/list` in session `id`: its status, and the names listed when it succeeded.
    async fn list(&self, id: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
        let mut headers = headers.to_vec();
        headers.push(("mcp-session-id", id));
        let list = r#"{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}"#;
        let response = self.post(list, &headers).await;
        (response.status(), response.text().await.unwrap())
    }
}

impl Raw {
    /// `DELETE` of session `id`: its status.
    async fn delete(&self, id: &str, headers: &[(&str, &str)]) -> StatusCode {
        let mut headers = headers.to_vec();
        headers.push(("mcp-session-id", id));
        self.send(reqwest::Method::DELETE, "", &headers)
            .await
            .status()
    }
}

/// The JSON-RPC error a refusal carries.
async fn error_of(response: reqwest::Response) -> Value {
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["jsonrpc"], "2.0");
    body["error"].clone()
}

#[tokio::test]
async fn only_the_mcp_path_is_served() {
    let server = builder().path("/tools").bind("127.0.0.1:0").await.unwrap();
    assert!(server.url().ends_with("/tools"));
    let raw = Raw::new(&server);
    raw.session(&[]).await;
    for path in [
        "/",
        "/mcp",
        "/tools/x",
        "/.well-known/oauth-protected-resource",
    ] {
        let url = format!("http://{}{path}", server.local_addr());
        let response = raw.http.post(url).body(INITIALIZE).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let error = error_of(response).await;
        assert_eq!(error["message"], "nothing is served here; MCP is at /tools");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn browser_pages_must_come_from_this_machine_or_an_allowed_origin() {
    let server = builder()
        .allowed_origins(["https://app.example.com"])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let raw = Raw::new(&server);
    // DNS rebinding: a page of evil.example whose name now points to 127.0.0.1.
    for origin in [
        "http://evil.example",
        "null",
        "http://localhost.evil.example",
    ] {
        let response = raw.post(INITIALIZE, &[("origin", origin)]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin}");
        let error = error_of(response).await;
        assert_eq!(
            error["message"],
            "this origin may not use the MCP server; serve the page from an allowed origin"
        );
    }
    raw.session(&[]).await;
    raw.session(&[("origin", "http://localhost:5173")]).await;
    raw.session(&[("origin", "http://127.0.0.1:8000")]).await;
    raw.session(&[("origin", "https://app.example.com")]).await;
    server.shutdown().await;
}

/// CORS: a browser's preflight from an allowed origin is answered before any token is asked
/// for (a preflight never carries one), and every answer to such a page, refusals included,
/// lets it read the answer and the headers MCP clients use. Other origins get 403, and
/// clients that send no `Origin` no CORS headers at all. (`mcp_clients.rs` has a browser,
/// jsdom, apply these.)
#[tokio::test]
async fn pages_of_allowed_origins_get_cors_answers() {
    let server = builder()
        .bearer_tokens(["s3cret"])
        .allowed_origins(["https://app.example.com"])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let raw = Raw::new(&server);
    let origin = ("origin", "https://app.example.com");
    let asked = "content-type, authorization, mcp-session-id, mcp-protocol-version";
    let preflight = [
        origin,
        ("access-control-request-method", "POST"),
        ("access-control-request-headers", asked),
    ];
    let answer = raw.send(reqwest::Method::OPTIONS, "", &preflight).await;
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    let headers = answer.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(headers["access-control-allow-methods"], "GET, POST, DELETE");
    assert_eq!(headers["access-control-allow-headers"], asked);
    assert_eq!(headers["access-control-max-age"], "7200");
    assert!(headers["vary"].to_str().unwrap().contains("origin"));

    let elsewhere = [("origin", "https://elsewhere.example"), preflight[1]];
    let refused = raw.send(reqwest::Method::OPTIONS, "", &elsewhere).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(refused.headers().get("access-control-allow-origin"), None);

    let token = ("authorization", "Bearer s3cret");
    let served = raw.post(INITIALIZE, &[origin, token]).await;
    assert_eq!(served.status(), StatusCode::OK);
    let headers = served.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    let exposed = headers["access-control-expose-headers"].to_str().unwrap();
    assert_eq!(
        exposed,
        "mcp-session-id, mcp-protocol-version, www-authenticate"
    );
    assert!(headers.contains_key("mcp-session-id"));

    let unauthorized = raw.post(INITIALIZE, &[origin]).await;
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    let headers = unauthorized.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(headers.contains_key("www-authenticate"));

    let no_page = raw.post(INITIALIZE, &[token]).await;
    assert_eq!(no_page.status(), StatusCode::OK);
    assert_eq!(no_page.headers().get("access-control-allow-origin"), None);
    server.shutdown().await;
}

#[tokio::test]
async fn requests_need_one_of_the_tokens() {
    let server = builder()
        .bearer_tokens(["s3cret", "other"])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let raw = Raw::new(&server);
    let missing = raw.post(INITIALIZE, &[]).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.headers()["www-authenticate"],
        "Bearer realm=\"mcp\""
    );
    let wrong = raw
        .post(INITIALIZE, &[("authorization", "Bearer s3cre")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.headers()["www-authenticate"],
        "Bearer realm=\"mcp\", error=\"invalid_token\""
    );
    assert_eq!(
        error_of(wrong).await["message"],
        "a valid bearer token is required; send it as `Authorization: Bearer TOKEN`"
    );
    // Two tokens are not one: the order of the headers decides nothing.
    for tokens in [["s3cret", "wrong"], ["wrong", "s3cret"]] {
        let request = raw
            .http
            .post(&raw.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", tokens[0]))
            .header("authorization", format!("Bearer {}", tokens[1]))
            .body(INITIALIZE);
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{tokens:?}");
        assert_eq!(
            error_of(response).await["message"],
            "the request has two Authorization headers; send one, with one bearer token"
        );
    }
    let id = raw.session(&[("authorization", "Bearer s3cret")]).await;
    // A token is needed on every request, not only the first.
    assert_eq!(raw.list(&id, &[]).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = raw.list(&id, &[("authorization", "Bearer s3cret")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"wait_for_cancel\""), "{body}");
    // Each token is an identity: another token cannot use the session.
    let (status, _) = raw.list(&id, &[("authorization", "Bearer other")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn a_session_belongs_to_the_identity_that_created_it() {
    let server = builder()
        .bearer_check(|token: String| async move {
            match token.as_str() {
                "alice-token" => Some(Arc::from("alice")),
                "bob-token" => Some(Arc::from("bob")),
                _ => None,
            }
        })
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let raw = Raw::new(&server);
    let alice = [("authorization", "Bearer alice-token")];
    let bob = [("authorization", "Bearer bob-token")];
    let id = raw.session(&alice).await;
    let (status, body) = raw.list(&id, &bob).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body.contains("this session does not exist or has ended"),
        "{body}"
    );
    assert_eq!(raw.delete(&id, &bob).await, StatusCode::NOT_FOUND);
    assert_eq!(raw.list(&id, &alice).await.0, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn deleting_an_unknown_or_deleted_session_is_not_found() {
    let server = builder().bind("127.0.0.1:0").await.unwrap();
    let raw = Raw::new(&server);
    assert_eq!(
        raw.delete("no-such-session", &[]).await,
        StatusCode::NOT_FOUND
    );
    let id = raw.session(&[]).await;
    assert_eq!(raw.delete(&id, &[]).await, StatusCode::NO_CONTENT);
    assert_eq!(raw.delete(&id, &[]).await, StatusCode::NOT_FOUND);
    assert_eq!(raw.list(&id, &[]).await.0, StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn beyond_the_session_cap_the_idlest_session_ends() {
    let server = builder().max_sessions(2).bind("127.0.0.1:0").await.unwrap();
    let raw = Raw::new(&server);
    let first = raw.session(&[]).await;
    let second = raw.session(&[]).await;
    // The first is used after the second: the second is now the idlest.
    assert_eq!(raw.list(&first, &[]).await.0, StatusCode::OK);
    let third = raw.session(&[]).await;
    assert_eq!(raw.list(&second, &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(raw.list(&first, &[]).await.0, StatusCode::OK);
    assert_eq!(raw.list(&third, &[]).await.0, StatusCode::OK);
    server.shutdown().await;
}

/// The calls of a session that ends, deleted by its client or ended by the session cap, are
/// cancelled then (the tool's future is dropped), not left running for the 5 s rmcp gives them.
#[tokio::test]
async fn the_calls_of_a_session_end_with_it() {
    let probe = Arc::new(Probe::default());
    let server = HttpServer::builder(McpServer::new(mcp_tools::toolbox(&probe)))
        .max_sessions(1)
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let raw = Arc::new(Raw::new(&server));
    let call = r#"{"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "wait_for_cancel", "arguments": {}}}"#;
    for ending in ["deleted", "ended by the session cap"] {
        let id = raw.session(&[]).await;
        let calling = {
            let (raw, id) = (raw.clone(), id.clone());
            tokio::spawn(async move { raw.post(call, &[("mcp-session-id", &id)]).await })
        };
        within_10s("the call's start", probe.started.notified()).await;
        if ending == "deleted" {
            assert_eq!(raw.delete(&id, &[]).await, StatusCode::NO_CONTENT);
        } else {
            raw.session(&[]).await;
            assert_eq!(raw.list(&id, &[]).await.0, StatusCode::NOT_FOUND);
        }
        tokio::time::timeout(Duration::from_secs(2), probe.dropped.notified())
            .await
            .unwrap_or_else(|_| panic!("the call of a session {ending} ran on"));
        calling.abort();
    }
    server.shutdown().await;
}

#[tokio::test]
async fn oauth_clients_find_the_protected_resource_metadata() {
    let server = builder()
        .bearer_check(|token: String| async move { (token == "access").then(|| Arc::from("a")) })
        .oauth_protected_resource("https://mcp.example.com/mcp", ["https://auth.example.com"])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let raw = Raw::new(&server);
    let refused = raw.post(INITIALIZE, &[]).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.headers()["www-authenticate"],
        "Bearer realm=\"mcp\", resource_metadata=\
         \"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\""
    );
    let url = format!(
        "http://{}/.well-known/oauth-protected-resource/mcp",
        server.local_addr()
    );
    let metadata: Value = raw
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        metadata,
        json!({
            "resource": "https://mcp.example.com/mcp",
            "authorization_servers": ["https://auth.example.com"],
            "bearer_methods_supported": ["header"]
        })
    );
    raw.session(&[("authorization", "Bearer access")]).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_other_machines_reach_needs_a_token_or_an_explicit_opt_in() {
    let error = builder().bind("0.0.0.0:0").await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
    let message = error.to_string();
    assert!(
        message.starts_with("refusing to serve MCP on 0.0.0.0:"),
        "{message}"
    );
    assert!(
        message.contains("allow_unauthenticated_remote()"),
        "{message}"
    );
    let with_token = builder()
        .bearer_tokens(["t"])
        .bind("0.0.0.0:0")
        .await
        .unwrap();
    with_token.shutdown().await;
    let opted_in = builder()
        .allow_unauthenticated_remote()
        .bind("0.0.0.0:0")
        .await
        .unwrap();
    opted_in.shutdown().await;
}

#[tokio::test]
async fn allowed_hosts_let_a_server_answer_to_its_name() {
    let server = builder()
        .allowed_hosts(["tools.example.com"])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let raw = Raw::new(&server);
    raw.session(&[("host", "tools.example.com")]).await;
    let other = raw.post(INITIALIZE, &[("host", "evil.example")]).await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        error_of(other).await["message"],
        "this server does not answer to the Host the request names; its operator can add the \
         name with `allowed_hosts`"
    );
    server.shutdown().await;
}

/// rmcp refuses some requests with plain text; each reaches the client as a JSON-RPC error,
/// with rmcp's status and headers, saying what to do where rmcp's text does not.
#[tokio::test]
async fn every_refusal_is_a_json_rpc_error_that_says_what_to_do() {
    let server = builder().bind("127.0.0.1:0").await.unwrap();
    let raw = Raw::new(&server);
    let no_version = r#"{"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"capabilities": {}, "clientInfo": {"name": "tests", "version": "0"}}}"#;
    let response = raw.post(no_version, &[]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error = error_of(response).await;
    assert_eq!(error["code"], -32602);
    assert_eq!(
        error["message"],
        "the params of initialize are not valid (missing field `protocolVersion`); send \
         protocolVersion, capabilities and clientInfo"
    );
    let list = r#"{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}"#;
    let response = raw.post(list, &[]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(response).await["message"],
        "this request needs a session: send initialize first, then the Mcp-Session-Id header \
         its answer carries"
    );
    let response = raw.send(reqwest::Method::PUT, list, &[]).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allowed = response.headers()["allow"].to_str().unwrap().to_owned();
    let error = error_of(response).await;
    assert_eq!(error["code"], -32000);
    assert_eq!(
        error["message"],
        format!("the MCP path does not answer this method; send {allowed}")
    );
    let id = raw.session(&[]).await;
    let headers = [
        ("mcp-session-id", &*id),
        ("mcp-protocol-version", "1999-01-01"),
    ];
    let response = raw.post(list, &headers).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(response).await["message"],
        "this server does not speak the MCP revision the MCP-Protocol-Version header names; \
         send one of 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28"
    );
    let request = format!(
        "POST /mcp HTTP/1.0\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n{INITIALIZE}",
        INITIALIZE.len()
    );
    let answer = raw_exchange(&server, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.0 400"), "{answer}");
    assert!(
        answer.contains(
            "the request needs a Host header naming this server; send one, as HTTP/1.1 asks"
        ),
        "{answer}"
    );
    server.shutdown().await;
}

/// Sends `request` on a new connection and reads until the server closes it.
async fn raw_exchange(server: &HttpServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = within_10s("the connection's end", stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Slowloris: a client that never finishes its headers is disconnected.
#[tokio::test]
async fn half_sent_headers_are_cut_off() {
    let server = builder()
        .header_read_timeout(Duration::from_millis(200))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let answer = raw_exchange(&server, b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n").await;
    // hyper answers 408 or just closes; either way the connection is not held.
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    server.shutdown().await;
}

/// A body that is not one JSON-RPC message gets 400 with JSON-RPC's own error code, for text
/// that is not JSON and for JSON that is not a request; a body that is not declared JSON keeps
/// its 415.
#[tokio::test]
async fn a_body_that_is_not_a_json_rpc_message_is_a_bad_request() {
    let server = builder().bind("127.0.0.1:0").await.unwrap();
    let raw = Raw::new(&server);
    let not_a_message = "the request is not a JSON-RPC message; send one object with \
                         \"jsonrpc\": \"2.0\" and the method and params MCP defines for it";
    let batch = "batches of JSON-RPC messages are not accepted; send each message in a \
                 request of its own";
    for (body, code, message) in [
        ("{\"jsonrpc\": \"2.0\", \"id\": 1,", -32700, None),
        (
            " [{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}]",
            -32600,
            Some(batch),
        ),
        (
            "{\"jsonrpc\": \"1.0\", \"id\": 1, \"method\": \"ping\"}",
            -32600,
            Some(not_a_message),
        ),
        ("\"hello\"", -32600, Some(not_a_message)),
    ] {
        let response = raw.post(body, &[]).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error = error_of(response).await;
        assert_eq!(error["code"], code, "{body}: {error}");
        if let Some(message) = message {
            assert_eq!(error["message"], message, "{body}");
        }
    }
    let request = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\
                   Accept: application/json, text/event-stream\r\nContent-Length: 2\r\n\
                   Connection: close\r\n\r\n{}";
    let answer = raw_exchange(&server, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
    assert!(answer.contains("\"code\":-32000"), "{answer}");
    server.shutdown().await;
}

/// Slowloris on the body: a client that sends its headers and never all of its body is
/// answered 408 and disconnected, after the body-read timeout.
#[tokio::test]
async fn a_body_that_never_arrives_whole_is_cut_off() {
    let server = builder()
        .body_read_timeout(Duration::from_millis(200))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let request = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                   Accept: application/json, text/event-stream\r\nContent-Length: 100\r\n\r\n\
                   {\"jsonrpc\":";
    let answer = raw_exchange(&server, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("the request's body did not arrive within 0.2 s"),
        "{answer}"
    );
    server.shutdown().await;
}

/// A body too large is refused from its announced length, before a byte of it is read (or
/// any session looked up); sent in chunks with no length announced, once it passes the limit.
/// Both get the same JSON-RPC error.
#[tokio::test]
async fn a_body_too_large_is_refused_announced_or_chunked() {
    let server = builder()
        .max_body_bytes(1024)
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                Accept: application/json, text/event-stream\r\n";
    let announced = format!(
        "{head}Mcp-Session-Id: whatever\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n"
    );
    let chunk = format!("200\r\n{}\r\n", " ".repeat(0x200));
    let chunked = format!(
        "{head}Transfer-Encoding: chunked\r\n\r\n{}",
        chunk.repeat(3)
    );
    for request in [announced, chunked] {
        let answer = raw_exchange(&server, request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains("application/json"), "{answer}");
        assert!(
            answer.contains("the request is larger than 1024 bytes"),
            "{answer}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn beyond_the_connection_cap_clients_wait_their_turn() {
    let server = builder()
        .max_connections(1)
        .header_read_timeout(Duration::from_secs(60))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let holder = TcpStream::connect(server.local_addr()).await.unwrap();
    let mut waiting = TcpStream::connect(server.local_addr()).await.unwrap();
    let request = "GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    waiting.write_all(request.as_bytes()).await.unwrap();
    let mut first = [0u8; 1];
    // Not a speed measurement: the second connection is not served at all while the first
    // holds the only slot.
    let early = tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut first)).await;
    assert!(
        early.is_err(),
        "the second connection was served beyond the cap"
    );
    drop(holder);
    let mut answer = Vec::new();
    within_10s("the answer", waiting.read_to_end(&mut answer))
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    server.shutdown().await;
}

/// Small answers go out at once: every connection the server accepts has Nagle's algorithm off,
/// or each answer written in two parts waits for the client's delayed acknowledgement (about
/// 40 ms). Read from the server's own sockets, which live in this process.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn every_accepted_connection_has_tcp_nodelay() {
    use std::os::fd::{BorrowedFd, RawFd};
    let server = builder().bind("127.0.0.1:0").await.unwrap();
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut client = TcpStream::connect(server.local_addr()).await.unwrap();
        let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        client.write_all(request.as_bytes()).await.unwrap();
        let mut answer = [0u8; 12];
        within_10s("an answer", client.read_exact(&mut answer))
            .await
            .unwrap();
        assert_eq!(&answer, b"HTTP/1.1 200");
        clients.push(client);
    }
    let mut accepted = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let Ok(fd) = entry
            .unwrap()
            .file_name()
            .to_string_lossy()
            .parse::<RawFd>()
        else {
            continue;
        };
        // SAFETY: the descriptor is only duplicated. Another test closing it meanwhile makes
        // `dup` fail, or duplicate whatever took its number, whose peer is then not ours.
        let Ok(owned) = unsafe { BorrowedFd::borrow_raw(fd) }.try_clone_to_owned() else {
            continue;
        };
        let socket = std::net::TcpStream::from(owned);
        let Ok(peer) = socket.peer_addr() else {
            continue;
        };
        // The server's end of a client's connection: its peer is the client.
        if clients.iter().any(|c| c.local_addr().unwrap() == peer) {
            accepted.push(socket.nodelay().unwrap());
        }
    }
    assert_eq!(accepted, [true, true, true]);
    server.shutdown().await;
}

/// The service, with its checks, at a path of a web app of one's own.
#[tokio::test]
async fn the_service_mounts_in_an_axum_app() {
    let mcp = builder().bearer_tokens(["s3cret"]).into_service();
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .nest_service("/mcp", mcp);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = tokio::spawn(async move { axum::serve(listener, app).await });

    let raw = Raw::at(format!("http://{addr}/mcp"));
    assert_eq!(
        raw.post(INITIALIZE, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let token = [("authorization", "Bearer s3cret")];
    let id = raw.session(&token).await;
    let (status, body) = raw.list(&id, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"add\""), "{body}");
    let health = raw
        .http
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    app.abort();
}

/// `tools/list` without a session, as a stateless server takes it: its status and body.
async fn list_without_session(raw: &Raw) -> (StatusCode, String) {
    let list = r#"{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}"#;
    let response = raw.post(list, &[]).await;
    (response.status(), response.text().await.unwrap())
}

/// A session opened on one replica is unknown to another: a server that keeps sessions needs
/// a balancer with affinity, and a stateless one does not.
#[tokio::test]
async fn a_session_of_one_replica_is_unknown_to_another_unless_stateless() {
    let first = builder().bind("127.0.0.1:0").await.unwrap();
    let second = builder().bind("127.0.0.1:0").await.unwrap();
    let id = Raw::new(&first).session(&[]).await;
    let (status, _) = Raw::new(&second).list(&id, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    first.shutdown().await;
    second.shutdown().await;

    let first = builder().stateless().bind("127.0.0.1:0").await.unwrap();
    let second = builder().stateless().bind("127.0.0.1:0").await.unwrap();
    let response = Raw::new(&first).post(INITIALIZE, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("mcp-session-id").is_none());
    let body = response.text().await.unwrap();
    assert!(
        body.contains("\"protocolVersion\":\"2025-06-18\""),
        "{body}"
    );
    let (status, body) = list_without_session(&Raw::new(&second)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"wait_for_cancel\""), "{body}");
    // A stateless server has no session to end.
    let deleted = Raw::new(&second)
        .send(reqwest::Method::DELETE, "", &[])
        .await;
    assert_eq!(deleted.status(), StatusCode::METHOD_NOT_ALLOWED);
    first.shutdown().await;
    second.shutdown().await;
}

/// A balancer in front of `upstreams` that sends each request to the next one in turn, and
/// counts how many each got.
struct RoundRobin {
    url: String,
    served: Arc<Vec<std::sync::atomic::AtomicUsize>>,
    task: tokio::task::JoinHandle<()>,
}

impl RoundRobin {
    async fn start(upstreams: Vec<String>) -> RoundRobin {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let served: Arc<Vec<AtomicUsize>> =
            Arc::new(upstreams.iter().map(|_| AtomicUsize::new(0)).collect());
        let next = Arc::new(AtomicUsize::new(0));
        let http = reqwest::Client::new();
        let counts = served.clone();
        let forward = move |request: axum::extract::Request| {
            let turn = next.fetch_add(1, Ordering::SeqCst) % upstreams.len();
            counts[turn].fetch_add(1, Ordering::SeqCst);
            let upstream = upstreams[turn].clone();
            let http = http.clone();
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
                let mut headers = parts.headers;
                headers.remove("host");
                let answer = http
                    .request(parts.method, upstream)
                    .headers(headers)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let mut response = axum::response::Response::builder().status(answer.status());
                for (name, value) in answer.headers() {
                    response = response.header(name, value);
                }
                let body = axum::body::Body::from_stream(answer.bytes_stream());
                response.body(body).unwrap()
            }
        };
        let app = axum::Router::new().fallback(forward);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        RoundRobin { url, served, task }
    }

    fn served(&self) -> Vec<usize> {
        self.served
            .iter()
            .map(|count| count.load(std::sync::atomic::Ordering::SeqCst))
            .collect()
    }
}

/// Two stateless replicas of one toolbox behind a balancer that alternates between them: an
/// MCP client (rmcp's, with the initialize handshake) works end to end, each request answered
/// by whichever replica gets it.
#[tokio::test]
async fn stateless_replicas_answer_a_client_whose_requests_alternate_between_them() {
    let first = builder().stateless().bind("127.0.0.1:0").await.unwrap();
    let second = builder().stateless().bind("127.0.0.1:0").await.unwrap();
    let balancer = RoundRobin::start(vec![first.url(), second.url()]).await;
    let client = mcp_tools::http_client(balancer.url.clone()).await;
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 6);
    for a in 0..6 {
        let arguments = json!({"a": a, "b": 1});
        let call = rmcp::model::CallToolRequestParams::new("add")
            .with_arguments(serde_json::from_value(arguments).unwrap());
        let result = client.call_tool(call).await.unwrap();
        assert_eq!(result.structured_content, Some(json!({"result": a + 1})));
    }
    let call = rmcp::model::CallToolRequestParams::new("city")
        .with_arguments(serde_json::from_value(json!({"name": "Lyon"})).unwrap());
    let result = client.call_tool(call).await.unwrap();
    assert_eq!(result.is_error, Some(true));
    let served = balancer.served();
    assert!(served.iter().all(|&count| count >= 4), "{served:?}");
    client.cancel().await.unwrap();
    balancer.task.abort();
    first.shutdown().await;
    second.shutdown().await;
}

/// In stateless mode, a call is cancelled when its client closes the request's connection:
/// the tool's future is dropped.
#[tokio::test]
async fn a_stateless_call_is_cancelled_when_its_client_goes_away() {
    let probe = Arc::new(Probe::default());
    let server = HttpServer::builder(McpServer::new(mcp_tools::toolbox(&probe)))
        .stateless()
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let call = r#"{"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "wait_for_cancel", "arguments": {}}}"#;
    let raw = Raw::new(&server);
    let waiting = tokio::spawn(async move { raw.post(call, &[]).await });
    within_10s("the call's start", probe.started.notified()).await;
    waiting.abort();
    within_10s("the call's cancellation", probe.dropped.notified()).await;
    server.shutdown().await;
}

/// Counts from 1 to `n`, reporting each step as progress.
#[tool_runtime::tool]
async fn count_up(n: u32, cx: &tool_runtime::CallContext) -> u32 {
    for step in 1..=n {
        cx.progress(f64::from(step), Some(f64::from(n)), &format!("step {step}"));
        tokio::task::yield_now().await;
    }
    n
}

/// Progress reports reach a stateless server's client, on the stream of their request; an
/// answer without them is one JSON body.
#[tokio::test]
async fn a_stateless_server_streams_progress_and_answers_plain_calls_in_json() {
    let toolbox = tool_runtime::Toolbox::builder()
        .tools([mcp_tools::add::tool(), count_up::tool()])
        .build()
        .unwrap();
    let server = HttpServer::builder(McpServer::new(toolbox))
        .stateless()
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let raw = Raw::new(&server);
    let call = r#"{"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 1, "b": 2}}}"#;
    let response = raw.post(call, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["result"]["structuredContent"], json!({"result": 3}));
    let call = r#"{"jsonrpc": "2.0", "id": 4, "method": "tools/call",
        "params": {"name": "count_up", "arguments": {"n": 2}, "_meta": {"progressToken": "p"}}}"#;
    let response = raw.post(call, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let body = response.text().await.unwrap();
    let progress = body.find("notifications/progress").expect(&body);
    let result = body.find("\"result\"").expect(&body);
    assert!(progress < result, "{body}");
    server.shutdown().await;
}

/// `GET` of `path` on `server`: its status and JSON body.
async fn probe_health(server: &HttpServer, path: &str) -> (StatusCode, Value) {
    let url = format!("http://{}{path}", server.local_addr());
    let response = within_10s("an answer", reqwest::get(url)).await.unwrap();
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Liveness and readiness, outside the MCP path and with no token; readiness fails once the
/// server drains, while it goes on serving MCP.
#[tokio::test]
async fn health_checks_answer_without_a_token_and_readiness_fails_while_draining() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = builder()
        .bearer_tokens(["s3cret"])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let ok = (StatusCode::OK, json!({"status": "ok"}));
    assert_eq!(probe_health(&server, "/healthz").await, ok);
    let ready = (StatusCode::OK, json!({"status": "ready"}));
    assert_eq!(probe_health(&server, "/readyz").await, ready);
    let posted = reqwest::Client::new()
        .post(format!("http://{}/healthz", server.local_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(posted.headers()["allow"], "GET");
    let raw = Raw::new(&server);
    assert_eq!(
        raw.post(INITIALIZE, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    server.drain();
    let draining = (
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"status": "draining"}),
    );
    assert_eq!(probe_health(&server, "/readyz").await, draining);
    assert_eq!(probe_health(&server, "/healthz").await, ok);
    let token = [("authorization", "Bearer s3cret")];
    let id = raw.session(&token).await;
    assert_eq!(raw.list(&id, &token).await.0, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn health_paths_can_move_or_be_turned_off() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = builder()
        .health_paths(Some("/livez"), None)
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    assert_eq!(
        probe_health(&server, "/livez").await,
        (StatusCode::OK, json!({"status": "ok"}))
    );
    assert_eq!(
        probe_health(&server, "/healthz").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        probe_health(&server, "/readyz").await.0,
        StatusCode::NOT_FOUND
    );
    server.shutdown().await;
}

/// Set in the child process of the test below, which serves with few file descriptors.
const FEW_DESCRIPTORS: &str = "TOOL_RUNTIME_TEST_FEW_DESCRIPTORS";

/// Out of file descriptors, the accept loop keeps trying at a calm pace (not thousands of
/// times a second) and serves again once descriptors are free. The server runs in a child
/// process (this test, run again) whose limit is 64 descriptors; this process holds 100
/// connections to it, then lets them go.
#[tokio::test]
async fn out_of_file_descriptors_the_accept_loop_waits_and_serves_again() {
    if std::env::var_os(FEW_DESCRIPTORS).is_some() {
        return serve_with_few_descriptors().await;
    }
    use tokio::io::{AsyncBufReadExt, BufReader};
    let this = "out_of_file_descriptors_the_accept_loop_waits_and_serves_again";
    let mut child = tokio::process::Command::new("sh")
        .args(["-c", r#"ulimit -n 64 && exec "$0" "$@""#])
        .arg(std::env::current_exe().unwrap())
        .args([this, "--exact", "--nocapture", "--test-threads=1"])
        .env(FEW_DESCRIPTORS, "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut commands = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The child's answer after `prefix`, the lines of the test harness aside.
    let mut answer = async |prefix: &str| loop {
        let line = within_10s("the child's answer", lines.next_line())
            .await
            .unwrap()
            .expect("the child goes on");
        // The harness writes the test's name on the line before its first output.
        if let Some((_, rest)) = line.split_once(prefix) {
            return rest.trim().to_owned();
        }
    };
    let addr = answer("serving at ").await;
    let mut failures = async || {
        commands.write_all(b"failures\n").await.unwrap();
        answer("failures: ").await.parse::<usize>().unwrap()
    };

    let mut held = Vec::new();
    for _ in 0..100 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    within_10s("an accept failure", async {
        while failures().await == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let before = failures().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tries = failures().await - before;
    // It pauses 100 ms after a failure: about 10 tries in a second. A loop retrying at once
    // would fail thousands of times.
    assert!((1..=20).contains(&tries), "{tries} accept failures in 1 s");

    drop(held);
    let mut stream = within_10s("a connection", TcpStream::connect(&addr))
        .await
        .unwrap();
    let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    within_10s("the answer", stream.read_to_end(&mut response))
        .await
        .unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with(r#"{"status":"ok"}"#), "{response}");

    // Its stdin closes: the child stops.
    drop(commands);
    let status = within_10s("the child's end", child.wait()).await.unwrap();
    assert!(status.success());
}

/// The child's part: serves, answers `failures` on stdin with how many accepts failed so far,
/// and stops when stdin closes.
async fn serve_with_few_descriptors() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncBufReadExt, BufReader};
    use tracing_subscriber::layer::SubscriberExt;

    /// Counts the server's warnings that an accept failed.
    struct AcceptFailures(Arc<AtomicUsize>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for AcceptFailures {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            let metadata = event.metadata();
            if *metadata.level() == tracing::Level::WARN
                && metadata.target() == "tool_runtime::mcp::http"
            {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    let failures = Arc::new(AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry().with(AcceptFailures(failures.clone()));
    tracing::subscriber::set_global_default(subscriber).unwrap();
    // Held connections must not be closed for a slow start while the test counts.
    let server = builder()
        .header_read_timeout(Duration::from_secs(60))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    println!("serving at {}", server.local_addr());
    let mut commands = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(command)) = commands.next_line().await {
        assert_eq!(command, "failures");
        println!("failures: {}", failures.load(Ordering::SeqCst));
    }
    server.shutdown().await;
}
