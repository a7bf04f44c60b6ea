//! The HTTP client [`RemoteServers`](super::RemoteServers) speaks through: reqwest, as rmcp
//! drives it, with one repair. A server that refuses a request before reading it (413 for a
//! body too large, 400 for one it cannot parse) answers with a JSON-RPC error without an id, as
//! MCP allows. rmcp's client cannot match such an error to its request, which would then wait
//! for its timeout; here the error gets the id of the request it answers, so the call fails at
//! once, with the server's words.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_core::Stream;
use http::{HeaderName, HeaderValue};
use rmcp::model::{ClientJsonRpcMessage, RequestId, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_client::{
    SseError, StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
    StreamableHttpResponseLimits,
};
use sse_stream::Sse;

type Posted = Result<StreamableHttpPostResponse, StreamableHttpError<reqwest::Error>>;
type Events = Pin<Box<dyn Stream<Item = Result<Sse, SseError>> + Send>>;
type Headers = HashMap<HeaderName, HeaderValue>;

/// reqwest's client, whose answers to a request are always that request's.
#[derive(Clone)]
pub(super) struct HttpClient(pub(super) reqwest::Client);

/// The id of `message`, when it is a request.
fn id_of(message: &ClientJsonRpcMessage) -> Option<RequestId> {
    match message {
        ClientJsonRpcMessage::Request(request) => Some(request.id.clone()),
        _ => None,
    }
}

/// `posted`, the answer to the request `id`, with that id on an error that has none.
async fn answering(id: Option<RequestId>, posted: impl Future<Output = Posted>) -> Posted {
    let mut posted = posted.await;
    if let Ok(StreamableHttpPostResponse::Json(ServerJsonRpcMessage::Error(error), _)) = &mut posted
        && error.id.is_none()
    {
        error.id = id;
    }
    posted
}

/// rmcp's worker posts through `post_message_with_response_limits`; `post_message` is the
/// trait's own, which its other defaults call.
impl StreamableHttpClient for HttpClient {
    type Error = reqwest::Error;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: Headers,
    ) -> Posted {
        let id = id_of(&message);
        let posted = self
            .0
            .post_message(uri, message, session_id, auth_header, custom_headers);
        answering(id, posted).await
    }

    async fn post_message_with_response_limits(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: Headers,
        limits: StreamableHttpResponseLimits,
    ) -> Posted {
        let id = id_of(&message);
        let posted = self.0.post_message_with_response_limits(
            uri,
            message,
            session_id,
            auth_header,
            custom_headers,
            limits,
        );
        answering(id, posted).await
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: Headers,
    ) -> Result<(), StreamableHttpError<reqwest::Error>> {
        self.0
            .delete_session(uri, session_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: Headers,
    ) -> Result<Events, StreamableHttpError<reqwest::Error>> {
        self.0
            .get_stream(uri, session_id, last_event_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: Headers,
        max_sse_event_size: usize,
    ) -> Result<Events, StreamableHttpError<reqwest::Error>> {
        self.0
            .get_stream_with_max_sse_event_size(
                uri,
                session_id,
                last_event_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await
    }
}
