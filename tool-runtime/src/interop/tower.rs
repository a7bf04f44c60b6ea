//! A [`Toolbox`] as a [`tower_service::Service`] of [`ToolCall`]s.

use std::convert::Infallible;
use std::task::{Context, Poll};

use crate::{BoxFuture, CallResult, CancellationToken, ToolCall, Toolbox};

/// A toolbox answers every [`ToolCall`] with a [`CallResult`], as
/// [`Toolbox::call_with`] does; failures are results whose output is an error, so the
/// service's error type is [`Infallible`]. It is always ready: the toolbox's own limits apply
/// inside the call, and tower's layers (concurrency and rate limits, load shedding, timeouts,
/// metrics) wrap it like any service.
///
/// ```
/// use tool_runtime::{tool, ToolCall, Toolbox};
/// use tower_service::Service;
///
/// /// Doubles a number.
/// #[tool]
/// async fn double(n: i64) -> i64 {
///     n * 2
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let mut service = Toolbox::builder().tool(double::tool()).build().unwrap();
///     let call = ToolCall::new("call_1", "double", r#"{"n": 21}"#);
///     // `Toolbox::call` is the toolbox's own method; name the trait's.
///     let result = Service::call(&mut service, call).await.unwrap();
///     assert_eq!((result.id.as_str(), result.output.text()), ("call_1", "42"));
/// }
/// ```
impl tower_service::Service<ToolCall> for Toolbox {
    type Response = CallResult;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<CallResult, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: ToolCall) -> Self::Future {
        let toolbox = self.clone();
        Box::pin(async move { Ok(toolbox.call_with(call, &CancellationToken::new()).await) })
    }
}
