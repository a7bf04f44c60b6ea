//! A plain MCP client on one keep-alive HTTP/1.1 connection: blocking writes and reads on the
//! caller's thread, with no runtime and no client library, so that what a bench times or
//! weighs is the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// The revision without a handshake or sessions: every request says who is asking, and a
/// `tools/call` names its method and tool in headers.
pub const MODERN: &str = "2026-07-28";

/// A client on one keep-alive HTTP/1.1 connection, which keeps the session id the server gives.
///
/// ```no_run
/// use tool_runtime_benches::plain_http::PlainHttp;
///
/// let mut client = PlainHttp::connect("127.0.0.1:8000".to_owned(), "2025-06-18");
/// let answer = client.post(
///     r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}"#,
///     None,
/// );
/// assert!(answer.contains("serverInfo"));
/// ```
pub struct PlainHttp {
    stream: TcpStream,
    answers: BufReader<TcpStream>,
    authority: String,
    session: Option<String>,
    revision: &'static str,
}

impl PlainHttp {
    /// Connects to the server at `authority` (`host:port`), as a client at `revision`.
    pub fn connect(authority: String, revision: &'static str) -> Self {
        let stream = TcpStream::connect(&authority).expect("connect");
        // As HTTP clients such as reqwest and undici do.
        stream.set_nodelay(true).expect("TCP_NODELAY");
        PlainHttp {
            answers: BufReader::new(stream.try_clone().expect("a second handle")),
            stream,
            authority,
            session: None,
            revision,
        }
    }

    /// Posts `body` to `/mcp` and returns the answer's body. `call`: the tool that `body`, a
    /// `tools/call`, names, for the headers a client at [`MODERN`] sends with it.
    pub fn post(&mut self, body: &str, call: Option<&str>) -> String {
        let mut request = format!(
            "POST /mcp HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
             accept: application/json, text/event-stream\r\nmcp-protocol-version: {}\r\n\
             content-length: {}\r\n",
            self.authority,
            self.revision,
            body.len()
        );
        if let Some(id) = &self.session {
            request += &format!("mcp-session-id: {id}\r\n");
        }
        if let (MODERN, Some(tool)) = (self.revision, call) {
            request += &format!("mcp-method: tools/call\r\nmcp-name: {tool}\r\n");
        }
        request += "\r\n";
        request += body;
        self.stream
            .write_all(request.as_bytes())
            .expect("the server reads");
        self.answer()
    }

    /// The revision this client speaks.
    pub fn revision(&self) -> &'static str {
        self.revision
    }

    /// Forgets the session, so that the next `initialize` starts another on this connection.
    pub fn forget_session(&mut self) {
        self.session = None;
    }

    /// Reads one answer: its head, keeping the session id it names, then its body, whole or
    /// in chunks.
    fn answer(&mut self) -> String {
        let mut length = 0;
        let mut chunked = false;
        loop {
            let line = self.line();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((&line, ""));
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().expect("a length"),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "mcp-session-id" => self.session = Some(value.to_owned()),
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let size = usize::from_str_radix(&self.line(), 16).expect("a chunk's size");
                let mut chunk = vec![0; size + 2];
                self.answers.read_exact(&mut chunk).expect("a chunk");
                body.extend_from_slice(&chunk[..size]);
                if size == 0 {
                    break;
                }
            }
        } else {
            body.resize(length, 0);
            self.answers.read_exact(&mut body).expect("a body");
        }
        String::from_utf8(body).expect("UTF-8")
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.answers
            .read_line(&mut line)
            .expect("the server answers");
        line.trim_end().to_owned()
    }
}
