//! What the runtime reports through `tracing`: the slow-poll watchdog's warning and one span
//! per call. These tests install a subscriber for their own thread, so they live apart from
//! the tests that run tools on other threads without one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tool_runtime::{ToolCall, Toolbox, Transient, tool};

/// Blocks its thread: the mistake the watchdog catches.
#[tool]
async fn blocks_the_executor() -> String {
    std::thread::sleep(Duration::from_millis(150));
    "done".into()
}

/// Blocks its thread after a first wait: the watchdog times each poll of the future.
#[tool]
async fn blocks_after_waiting() -> String {
    tokio::task::yield_now().await;
    std::thread::sleep(Duration::from_millis(150));
    "done".into()
}

/// Awaits properly.
#[tool]
async fn awaits_properly() -> String {
    tokio::time::sleep(Duration::from_millis(150)).await;
    "done".into()
}

/// Events logged at warn level and above, as "target: message".
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Captured {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", field.name(), value));
            }
        }
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", event.metadata().level(), fields.0));
    }
}

fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    use tracing_subscriber::layer::SubscriberExt;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(captured.clone());
    let guard = tracing::subscriber::set_default(subscriber);
    (captured, guard)
}

#[tokio::test(flavor = "current_thread")]
async fn the_watchdog_names_a_tool_that_blocks_its_thread() {
    let (captured, _guard) = capture();
    let toolbox = Toolbox::builder()
        .tools([
            blocks_the_executor::tool(),
            blocks_after_waiting::tool(),
            awaits_properly::tool(),
        ])
        .build()
        .unwrap();

    let good = toolbox.call("awaits_properly", "{}").await;
    assert_eq!(good.slow_poll(), None);
    assert!(
        captured.0.lock().unwrap().is_empty(),
        "no warning for an awaiting tool"
    );

    // Every tool is timed poll by poll, whether it waits first or not.
    for (tool, at_least) in [("blocks_the_executor", 150), ("blocks_after_waiting", 150)] {
        let bad = toolbox.call(tool, "{}").await;
        assert_eq!(bad.text(), "done");
        let slow = bad.slow_poll().expect("the blocking poll is reported");
        assert!(slow >= Duration::from_millis(at_least), "{tool}: {slow:?}");
        let events = std::mem::take(&mut *captured.0.lock().unwrap());
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(events[0].starts_with("WARN "), "{events:?}");
        assert!(
            events[0].contains(&format!("tool=\"{tool}\"")),
            "{events:?}"
        );
        assert!(events[0].contains("threshold_ms=100"), "{events:?}");
    }

    let relaxed = Toolbox::builder()
        .tool(blocks_the_executor::tool())
        .slow_poll_threshold(Some(Duration::from_secs(1)))
        .build()
        .unwrap();
    assert_eq!(
        relaxed.call("blocks_the_executor", "{}").await.slow_poll(),
        None
    );
}

/// Fails, panics or times out, as asked.
#[tool]
async fn flaky(mode: String) -> Result<String, String> {
    match mode.as_str() {
        "fail" => Err("asked to fail".into()),
        "panic" => panic!("asked to panic"),
        _ => Ok("fine".into()),
    }
}

/// Spans of tool calls: their fields once closed.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<String>>>);

impl<S> tracing_subscriber::Layer<S> for Spans
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = SpanFields(format!("{}:", attrs.metadata().name()));
        attrs.record(&mut fields);
        ctx.span(id).unwrap().extensions_mut().insert(fields);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let span = ctx.span(id).unwrap();
        let mut extensions = span.extensions_mut();
        values.record(extensions.get_mut::<SpanFields>().unwrap());
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let fields = span.extensions().get::<SpanFields>().unwrap().0.clone();
        self.0.lock().unwrap().push(fields);
    }
}

struct SpanFields(String);

impl tracing::field::Visit for SpanFields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "elapsed_ms" {
            self.0.push_str(" elapsed_ms=<n>");
        } else {
            self.0.push_str(&format!(" {}={:?}", field.name(), value));
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn every_call_has_a_span_with_tool_id_duration_and_outcome() {
    use tracing_subscriber::layer::SubscriberExt;
    let spans = Spans::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let toolbox = Toolbox::builder().tool(flaky::tool()).build().unwrap();
    toolbox
        .call_all([
            ToolCall::new("c1", "flaky", json!({"mode": "ok"})),
            ToolCall::new("c2", "flaky", json!({"mode": "fail"})),
        ])
        .await;
    let mut closed = spans.0.lock().unwrap().clone();
    closed.sort();
    assert_eq!(
        closed,
        [
            "tool_call: tool=\"flaky\" call_id=\"c1\" outcome=\"ok\" elapsed_ms=<n> attempts=1",
            "tool_call: tool=\"flaky\" call_id=\"c2\" outcome=\"failed\" elapsed_ms=<n> attempts=1",
        ]
    );
}

/// Fails transiently on its first two attempts.
#[tool(idempotent)]
async fn busy_twice(
    #[state] attempts: &std::sync::atomic::AtomicUsize,
) -> Result<String, Transient> {
    match attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
        0 | 1 => Err(Transient::new("busy")),
        _ => Ok("done".into()),
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_span_of_a_call_counts_its_attempts() {
    use tracing_subscriber::layer::SubscriberExt;
    let spans = Spans::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let toolbox = Toolbox::builder()
        .tool(busy_twice::tool())
        .state(std::sync::atomic::AtomicUsize::new(0))
        .build()
        .unwrap();
    toolbox
        .call_all([ToolCall::new("c1", "busy_twice", json!({}))])
        .await;
    assert_eq!(
        *spans.0.lock().unwrap(),
        ["tool_call: tool=\"busy_twice\" call_id=\"c1\" outcome=\"ok\" elapsed_ms=<n> attempts=3"]
    );
}

/// Fails with the model's text in its error, as a tool echoing a URL does.
#[tool]
async fn echo_failure(url: String) -> Result<String, String> {
    Err(format!("could not fetch {url}"))
}

#[tokio::test(flavor = "current_thread")]
async fn control_characters_in_logged_errors_are_escaped() {
    let (captured, _guard) = capture();
    let toolbox = Toolbox::builder()
        .tool(echo_failure::tool())
        .build()
        .unwrap();
    let url = "http://a/\nINFO forged line\u{1b}[31m";
    let output = toolbox
        .call("echo_failure", serde_json::json!({ "url": url }))
        .await;
    assert!(output.is_error());
    let events = captured.0.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        !events[0].contains('\n') && !events[0].contains('\u{1b}'),
        "{events:?}"
    );
    assert!(
        events[0].contains(r"\nINFO forged line\u{1b}[31m"),
        "{events:?}"
    );
}
