//! Bearer tokens for the MCP HTTP service: a static list or the user's own check, and the
//! OAuth protected-resource metadata (RFC 9728) that tells clients where to get a token.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::BoxFuture;

/// Who sent a request, as the bearer-token check found: sessions belong to the identity that
/// created them.
pub type Identity = Arc<str>;

type Check = dyn Fn(String) -> BoxFuture<'static, Option<Identity>> + Send + Sync;

/// How requests prove who they are: `Authorization: Bearer <token>`, checked against a list
/// of tokens or by a function of yours.
#[derive(Clone)]
pub(super) struct BearerAuth {
    check: Arc<Check>,
    /// The protected-resource metadata, for OAuth deployments.
    pub(super) resource: Option<ProtectedResource>,
}

impl BearerAuth {
    /// Accepts exactly these tokens; each one is an identity of its own.
    pub(super) fn tokens(tokens: Vec<String>) -> Self {
        BearerAuth::check(move |token: String| {
            let found = tokens
                .iter()
                .position(|known| bool::from(known.as_bytes().ct_eq(token.as_bytes())));
            std::future::ready(found.map(|index| Identity::from(format!("token {}", index + 1))))
        })
    }

    /// Accepts the tokens for which `check` gives an identity.
    pub(super) fn check<F, Fut>(check: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Identity>> + Send + 'static,
    {
        BearerAuth {
            check: Arc::new(move |token| Box::pin(check(token))),
            resource: None,
        }
    }

    /// The identity behind an `Authorization` header, if its token is accepted.
    pub(super) async fn identity(&self, authorization: Option<&[u8]>) -> Option<Identity> {
        let value = std::str::from_utf8(authorization?).ok()?;
        let (scheme, token) = value.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return None;
        }
        (self.check)(token.trim().to_owned()).await
    }

    /// The `WWW-Authenticate` header of a refusal: `had_token` when a token was given and
    /// refused (RFC 6750's `invalid_token`), with where the OAuth metadata is.
    pub(super) fn challenge(&self, had_token: bool) -> String {
        let mut challenge = "Bearer realm=\"mcp\"".to_owned();
        if had_token {
            challenge.push_str(", error=\"invalid_token\"");
        }
        if let Some(resource) = &self.resource {
            challenge.push_str(&format!(
                ", resource_metadata=\"{}\"",
                resource.metadata_url()
            ));
        }
        challenge
    }
}

impl fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerAuth")
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

/// The OAuth protected-resource metadata of an MCP server (RFC 9728, which the MCP
/// authorization spec asks for): the server's URL and the authorization servers that issue its
/// tokens.
#[derive(Clone, Debug)]
pub(super) struct ProtectedResource {
    /// The MCP endpoint's URL, such as `https://mcp.example.com/mcp`.
    pub(super) resource: String,
    pub(super) authorization_servers: Vec<String>,
}

impl ProtectedResource {
    /// Where the metadata is served: the well-known path inserted before the resource's path
    /// (`https://mcp.example.com/.well-known/oauth-protected-resource/mcp`).
    pub(super) fn metadata_url(&self) -> String {
        let (origin, path) = split_url(&self.resource);
        format!("{origin}{}", well_known_path(path))
    }

    /// The path of [`metadata_url`](Self::metadata_url) on this server.
    pub(super) fn metadata_path(&self) -> String {
        well_known_path(split_url(&self.resource).1)
    }

    /// The metadata document.
    pub(super) fn document(&self) -> Value {
        json!({
            "resource": self.resource,
            "authorization_servers": self.authorization_servers,
            "bearer_methods_supported": ["header"],
        })
    }
}

/// `https://host/path` as (`https://host`, `/path`).
fn split_url(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => url.split_at(after_scheme + slash),
        None => (url, ""),
    }
}

fn well_known_path(path: &str) -> String {
    format!(
        "/.well-known/oauth-protected-resource{}",
        path.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listed_token_is_its_identity_and_others_are_refused() {
        let auth = BearerAuth::tokens(vec!["alpha".to_owned(), "beta".to_owned()]);
        let identity = |header: &'static str| auth.identity(Some(header.as_bytes()));
        assert_eq!(identity("Bearer beta").await.as_deref(), Some("token 2"));
        assert_eq!(identity("bearer  alpha ").await.as_deref(), Some("token 1"));
        assert_eq!(identity("Bearer gamma").await, None);
        assert_eq!(identity("Basic alpha").await, None);
        assert_eq!(identity("Bearer ").await, None);
        assert_eq!(auth.identity(None).await, None);
    }

    #[test]
    fn the_metadata_is_at_the_well_known_path_of_the_resource() {
        let resource = ProtectedResource {
            resource: "https://mcp.example.com/mcp".to_owned(),
            authorization_servers: vec!["https://auth.example.com".to_owned()],
        };
        assert_eq!(
            resource.metadata_url(),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            resource.metadata_path(),
            "/.well-known/oauth-protected-resource/mcp"
        );
        let mut auth = BearerAuth::tokens(Vec::new());
        auth.resource = Some(resource);
        assert_eq!(
            auth.challenge(true),
            "Bearer realm=\"mcp\", error=\"invalid_token\", resource_metadata=\
             \"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\""
        );
    }
}
