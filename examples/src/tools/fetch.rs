//! `fetch_url`: a real HTTP client (reqwest over rustls) that reaches only public addresses:
//! every host name is resolved by a resolver that drops non-public addresses, so the client
//! connects only to the addresses it vetted; IP-literal hosts and every redirect hop are
//! checked too. The call's deadline is the request timeout; the body is cut at a char boundary.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::redirect::{Attempt, Policy};
use reqwest::{Client, Url};
use tool_runtime::{CallContext, Transient, tool};

use super::STOP_BEFORE_DEADLINE;
use super::cut::{cut_chars, escaped};

/// How many characters `fetch_url` returns unless asked otherwise.
pub const DEFAULT_MAX_CHARS: usize = 2_000;
/// The most characters `fetch_url` returns.
pub const MAX_CHARS: usize = 100_000;
/// The most redirects followed.
pub const MAX_REDIRECTS: usize = 5;

/// The HTTP client the tool uses, shared by all calls (it pools connections).
///
/// It reaches public addresses only, plus the `ip:port` pairs it was explicitly allowed.
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: Client,
    allowed: Arc<[SocketAddr]>,
}

impl HttpClient {
    /// A client that reaches public addresses only.
    ///
    /// ```
    /// let http = examples::tools::HttpClient::new()?;
    /// # let _ = http;
    /// # Ok::<(), reqwest::Error>(())
    /// ```
    pub fn new() -> Result<Self, reqwest::Error> {
        Self::allowing([])
    }

    /// A client that reaches public addresses and, besides them, exactly the `ip:port` pairs
    /// in `local` when a URL names them literally (for a server of your own on 127.0.0.1).
    ///
    /// ```
    /// let local = "127.0.0.1:8080".parse()?;
    /// let http = examples::tools::HttpClient::allowing([local])?;
    /// # let _ = http;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allowing(local: impl IntoIterator<Item = SocketAddr>) -> Result<Self, reqwest::Error> {
        let allowed: Arc<[SocketAddr]> = local.into_iter().collect();
        let hops = allowed.clone();
        let client = client_builder()
            // Resolve here, not at a proxy that would connect wherever the name leads.
            .no_proxy()
            .dns_resolver(PublicResolver)
            .redirect(Policy::custom(move |attempt| check_hop(attempt, &hops)))
            .build()?;
        Ok(HttpClient { client, allowed })
    }
}

/// A plain client (rustls with ring), for endpoints the program chose itself, such as the
/// model's API: it has none of the address checks that [`HttpClient`] applies to the model's
/// URLs.
///
/// ```
/// let client = examples::tools::fetch::trusted_client()?;
/// # let _ = client;
/// # Ok::<(), reqwest::Error>(())
/// ```
pub fn trusted_client() -> Result<Client, reqwest::Error> {
    client_builder().build()
}

fn client_builder() -> reqwest::ClientBuilder {
    // Installing the provider twice is harmless: the second attempt is refused.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .user_agent(concat!("tool-runtime-examples/", env!("CARGO_PKG_VERSION")))
        .redirect(Policy::limited(MAX_REDIRECTS))
        .connect_timeout(Duration::from_secs(5))
}

/// Resolves host names with the system resolver and keeps only public addresses, so the
/// connection goes to an address that was checked (DNS rebinding has nothing to race).
struct PublicResolver;

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(NotPublic(host)) as Box<dyn StdError + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// A host that leads only to addresses the tool may not reach.
#[derive(Debug)]
struct NotPublic(String);

impl fmt::Display for NotPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not a public address", self.0)
    }
}

impl StdError for NotPublic {}

/// Follows a redirect only to http(s) on a host this client may reach, at most five times.
fn check_hop(attempt: Attempt<'_>, allowed: &[SocketAddr]) -> reqwest::redirect::Action {
    if attempt.previous().len() > MAX_REDIRECTS {
        return attempt.error(TooManyRedirects);
    }
    match check_url(attempt.url(), allowed) {
        Ok(()) => attempt.follow(),
        Err(error) => attempt.error(error),
    }
}

#[derive(Debug)]
struct TooManyRedirects;

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "it redirects more than {MAX_REDIRECTS} times")
    }
}

impl StdError for TooManyRedirects {}

/// Why a URL may not be fetched, before any connection: its scheme, or a literal address that
/// is not public (host names are checked after resolution, by [`PublicResolver`]).
fn check_url(url: &Url, allowed: &[SocketAddr]) -> Result<(), NotPublic> {
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(NotPublic(String::new())),
    };
    let port = url.port_or_known_default().unwrap_or(0);
    if is_public(literal) || allowed.contains(&SocketAddr::new(literal, port)) {
        Ok(())
    } else {
        Err(NotPublic(literal.to_string()))
    }
}

/// Whether `ip` is a public unicast address: not loopback, private, link-local, unique-local,
/// shared (CGNAT), multicast, broadcast, documentation, benchmarking, reserved or unspecified,
/// also when written as an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0 // "this network", 0.0.0.0 included
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match segments {
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 address decides.
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] if !ip.is_loopback() => {
            !ip.is_unspecified() && is_public_v4(embedded_v4(hi, lo))
        }
        // NAT64 (64:ff9b::a.b.c.d).
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => is_public_v4(embedded_v4(hi, lo)),
        // 6to4 (2002:a.b.c.d::).
        [0x2002, hi, lo, ..] => is_public_v4(embedded_v4(hi, lo)),
        _ => {
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                || ip.is_unique_local()
                || ip.is_unicast_link_local()
                || (segments[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
                || (segments[0] == 0x2001 && segments[1] == 0)) // Teredo
        }
    }
}

/// Why a page could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL did not parse.
    #[error(
        "\"{url}\" is not a valid URL ({reason}); give an absolute URL such as https://example.com/page"
    )]
    InvalidUrl {
        /// The URL given, escaped.
        url: String,
        /// Why it did not parse.
        reason: String,
    },
    /// The scheme is not http or https.
    #[error("only http and https URLs can be fetched, not {0}:")]
    UnsupportedScheme(String),
    /// `max_chars` was out of range.
    #[error("max_chars must be between 1 and {MAX_CHARS}, not {0}")]
    BadLimit(usize),
    /// The URL, or a redirect, leads to an address this tool may not reach.
    #[error(
        "{url} may not be fetched: it leads to a local or private address; fetch public web pages only"
    )]
    NotPublic {
        /// The URL, escaped.
        url: String,
    },
    /// The request failed before a response came.
    #[error("could not fetch {url}: {reason}")]
    Request {
        /// The URL, escaped.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("{url} answered {status}")]
    Status {
        /// The URL, escaped.
        url: String,
        /// The status line, as `404 Not Found`.
        status: String,
    },
    /// The body is not text.
    #[error("{url} returned {content_type}, which is not text")]
    NotText {
        /// The URL, escaped.
        url: String,
        /// Its content type, escaped.
        content_type: String,
    },
    /// The server compressed the body although it was asked not to.
    #[error(
        "{url} came compressed ({encoding}), which this tool cannot read (it asks for pages uncompressed); try another page with the same content"
    )]
    Compressed {
        /// The URL, escaped.
        url: String,
        /// Its content encoding, escaped.
        encoding: String,
    },
    /// One of the errors above that may not recur (a timeout, a failed connection, a server
    /// that answered 429, 502, 503 or 504): the toolbox tries the call again. It reads as the
    /// error it wraps.
    #[error("{0}")]
    Transient(#[source] Transient),
}

impl FetchError {
    /// This error, marked as one that may not recur.
    fn transient(self) -> Self {
        FetchError::Transient(Transient::new(self))
    }
}

/// Fetch a web page over http or https and return the start of its body as text.
///
/// # Arguments
/// * `url` - absolute http or https URL of a public web page
/// * `max_chars` - how many characters of the body to return (default 2000, at most 100000)
#[tool(timeout = "10s", read_only, open_world)]
pub async fn fetch_url(
    url: String,
    max_chars: Option<usize>,
    #[state] http: &HttpClient,
    cx: &CallContext,
) -> Result<String, FetchError> {
    let max_chars = max_chars.unwrap_or(DEFAULT_MAX_CHARS);
    if max_chars == 0 || max_chars > MAX_CHARS {
        return Err(FetchError::BadLimit(max_chars));
    }
    let parsed = Url::parse(&url).map_err(|e| FetchError::InvalidUrl {
        url: escaped(&url),
        reason: e.to_string(),
    })?;
    // From here on errors show the parsed URL, which holds no raw control characters.
    let shown = escaped(parsed.as_str());
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::UnsupportedScheme(escaped(parsed.scheme())));
    }
    if check_url(&parsed, &http.allowed).is_err() {
        return Err(FetchError::NotPublic { url: shown });
    }
    let request_failed = |e: reqwest::Error| request_error(&e, &shown);
    // The client decompresses nothing: ask for the body as it is.
    let mut request = http.client.get(parsed).header(ACCEPT_ENCODING, "identity");
    // Stop the request ourselves just before the runtime gives up on the call.
    if let Some(remaining) = cx.remaining() {
        request = request.timeout(remaining.saturating_sub(STOP_BEFORE_DEADLINE));
    }
    let mut response = request.send().await.map_err(request_failed)?;
    let status = response.status();
    if !status.is_success() {
        let error = FetchError::Status {
            url: shown,
            status: status.to_string(),
        };
        return Err(match status.as_u16() {
            429 | 502 | 503 | 504 => error.transient(),
            _ => error,
        });
    }
    if let Some(content_type) = response.headers().get(CONTENT_TYPE) {
        let content_type = content_type
            .to_str()
            .unwrap_or("an unreadable content type");
        if !is_text(content_type) {
            return Err(FetchError::NotText {
                url: shown,
                content_type: escaped(content_type),
            });
        }
    }
    for encoding in response.headers().get_all(CONTENT_ENCODING) {
        let encoding = encoding.to_str().unwrap_or("an unreadable encoding");
        let coding = encoding.trim();
        if !(coding.is_empty() || coding.eq_ignore_ascii_case("identity")) {
            return Err(FetchError::Compressed {
                url: shown,
                encoding: escaped(encoding),
            });
        }
    }
    // Read no more than the characters asked for can take (four bytes each at most).
    let byte_budget = max_chars.saturating_mul(4);
    let announced = response.content_length();
    let mut body = Vec::new();
    let mut more = false;
    while let Some(chunk) = response.chunk().await.map_err(request_failed)? {
        body.extend_from_slice(&chunk);
        if body.len() >= byte_budget {
            more = announced.is_none_or(|length| length > body.len() as u64);
            break;
        }
    }
    let text = String::from_utf8_lossy(&body);
    Ok(cut_chars(&text, max_chars, more))
}

/// Whether the media type is text, compared without regard to case (RFC 9110 §8.3.1).
fn is_text(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let essence = essence.as_str();
    essence.starts_with("text/")
        || matches!(
            essence,
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/xhtml+xml"
        )
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
}

/// What the model is told about a failed request. Whatever stopped the connection (refused,
/// filtered, reset, no route), it reads "could not connect", so the tool is no port scanner.
/// A timeout, a failed connection and a connection lost while sending or receiving are
/// transient.
fn request_error(error: &reqwest::Error, url: &str) -> FetchError {
    let mut source = StdError::source(error);
    while let Some(cause) = source {
        if cause.is::<NotPublic>() {
            return FetchError::NotPublic {
                url: url.to_owned(),
            };
        }
        if let Some(too_many) = cause.downcast_ref::<TooManyRedirects>() {
            return FetchError::Request {
                url: url.to_owned(),
                reason: too_many.to_string(),
            };
        }
        source = cause.source();
    }
    let (reason, transient) = if error.is_timeout() {
        ("the request timed out", true)
    } else if error.is_connect() {
        ("could not connect", true)
    } else if error.is_redirect() {
        ("a redirect could not be followed", false)
    } else {
        let lost = error.is_request() || error.is_body();
        ("the connection failed while sending or receiving", lost)
    };
    let error = FetchError::Request {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    if transient { error.transient() } else { error }
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn only_public_addresses_pass() {
        for ip in [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.0.8",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::ffff:0.0.0.0",
            "64:ff9b::10.0.0.1",
            "2002:7f00:1::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.215.14",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
