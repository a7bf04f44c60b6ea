//! Approval: a policy on the toolbox decides on every call before it runs (allow, deny, edit
//! the arguments, ask a person); a call that is not run never reaches its tool, is counted, and
//! comes back as a result the model reads; the wait for a person is outside the tool's timeout
//! but inside the batch's deadline and cancellation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tests::types::Filter;
use tool_runtime::{
    Annotations, Approval, ApprovalRequest, Approver, BatchOptions, CancellationToken, Decision,
    ToolCall, ToolError, Toolbox, tool,
};

/// How many times each tool ran.
#[derive(Default)]
struct Runs(AtomicUsize);

impl Runs {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Deletes the rows a filter matches.
#[tool(destructive)]
async fn purge(filter: Filter, #[state] runs: &Runs) -> String {
    runs.0.fetch_add(1, Ordering::SeqCst);
    format!("purged {} rows of {}", filter.limit, filter.column)
}

/// Lists the rows.
#[tool(read_only)]
async fn list(#[state] runs: &Runs) -> String {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "3 rows".to_owned()
}

/// Takes `ms` milliseconds, within its one-second timeout.
#[tool(destructive, timeout = "1s")]
async fn slow_write(ms: u64, #[state] runs: &Runs) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    runs.0.fetch_add(1, Ordering::SeqCst);
    format!("wrote in {ms} ms")
}

fn guarded_toolbox(policy: Approval, runs: &Arc<Runs>) -> Toolbox {
    Toolbox::builder()
        .tools([purge::tool(), list::tool(), slow_write::tool()])
        .state_arc(runs.clone())
        .approval(policy)
        .build()
        .unwrap()
}

const PURGE: &str = r#"{"filter": {"column": "spam", "limit": 10}}"#;

/// An approver that answers `decision` and keeps every request it was asked about.
fn person(decision: Decision) -> (Approver, Arc<Mutex<Vec<ApprovalRequest>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let approver = Approver::new({
        let asked = asked.clone();
        move |request| {
            asked.lock().unwrap().push(request);
            std::future::ready(decision.clone())
        }
    });
    (approver, asked)
}

/// An approver that never answers.
fn absent() -> Approver {
    Approver::new(|_| std::future::pending())
}

#[tokio::test]
async fn an_allowed_call_runs_and_the_policy_sees_the_whole_call() {
    let runs = Arc::new(Runs::default());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let policy = Approval::new({
        let seen = seen.clone();
        move |request: ApprovalRequest| {
            seen.lock().unwrap().push(request);
            async { Decision::Allow }
        }
    });
    let toolbox = guarded_toolbox(policy, &runs);
    let results = toolbox
        .call_all([ToolCall::new("c1", "purge", PURGE)])
        .await;
    assert_eq!(results[0].output.text(), "purged 10 rows of spam");
    assert_eq!(runs.count(), 1);

    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].tool, "purge");
    assert_eq!(seen[0].call_id.as_deref(), Some("c1"));
    assert_eq!(
        seen[0].arguments,
        json!({"filter": {"column": "spam", "limit": 10}})
    );
    assert_eq!(
        seen[0].annotations,
        Annotations {
            destructive: Some(true),
            ..Annotations::default()
        }
    );
    // Allowed by the policy without asking anyone: neither an approval nor a denial.
    let stats = toolbox.stats("purge").unwrap();
    assert_eq!((stats.calls, stats.approvals, stats.denials), (1, 0, 0));
}

#[tokio::test]
async fn a_denied_call_never_runs_and_the_model_reads_why() {
    let runs = Arc::new(Runs::default());
    let policy = Approval::new(|request: ApprovalRequest| async move {
        if request.arguments["filter"]["column"] == "spam" {
            Decision::deny("spam is kept for audits")
        } else {
            Decision::Allow
        }
    });
    let toolbox = guarded_toolbox(policy, &runs);
    let output = toolbox.call("purge", PURGE).await;
    assert!(output.is_error());
    assert_eq!(
        output.text(),
        "purge was not run: the user declined it (spam is kept for audits). \
         Do not repeat the call; go on without it, or ask the user what to do."
    );
    assert_eq!(
        output.error(),
        Some(&ToolError::Declined {
            tool: "purge".into(),
            reason: "spam is kept for audits".into()
        })
    );
    assert_eq!(runs.count(), 0);
    let stats = toolbox.stats("purge").unwrap();
    assert_eq!(
        (stats.calls, stats.errors, stats.approvals, stats.denials),
        (1, 1, 0, 1)
    );

    // In a batch, the denial is one result among the others, in order.
    let results = toolbox
        .call_all([
            ToolCall::new("a", "list", "{}"),
            ToolCall::new("b", "purge", PURGE),
            ToolCall::new("c", "purge", r#"{"filter": {"column": "old", "limit": 2}}"#),
        ])
        .await;
    let texts: Vec<&str> = results.iter().map(|r| r.output.text()).collect();
    assert_eq!(texts[0], "3 rows");
    assert!(texts[1].starts_with("purge was not run: the user declined it"));
    assert_eq!(texts[2], "purged 2 rows of old");
    assert_eq!(toolbox.stats("purge").unwrap().denials, 2);
}

#[tokio::test]
async fn edited_arguments_are_checked_like_the_models() {
    let runs = Arc::new(Runs::default());
    let policy = Approval::new(|request: ApprovalRequest| async move {
        // Caps the number of rows; a wrong cap is the test of the check.
        let mut arguments = request.arguments;
        let cap = if arguments["filter"]["column"] == "typo" {
            json!(5000)
        } else {
            json!(3)
        };
        arguments["filter"]["limit"] = cap;
        Decision::Edit(arguments)
    });
    let toolbox = guarded_toolbox(policy, &runs);
    assert_eq!(
        toolbox.call("purge", PURGE).await.text(),
        "purged 3 rows of spam"
    );
    assert_eq!(runs.count(), 1);

    // `Filter::limit` is at most 100: the edit is refused with the path, as the model's would,
    // but the model is not told to fix arguments it did not write.
    let output = toolbox
        .call("purge", r#"{"filter": {"column": "typo", "limit": 1}}"#)
        .await;
    match output.error() {
        Some(ToolError::InvalidEdit { tool, path, .. }) => {
            assert_eq!(tool, "purge");
            assert_eq!(path.as_deref(), Some("filter.limit"));
        }
        other => panic!("expected an invalid edit, got {other:?}"),
    }
    assert_eq!(
        output.text(),
        "purge was not run: the arguments as edited at approval are not valid (at \
         `filter.limit`: 5000 is more than the maximum 100). Do not repeat the call; ask the \
         user what to do."
    );
    assert_eq!(runs.count(), 1, "the tool did not run with the bad edit");
}

#[tokio::test]
async fn an_edit_over_the_argument_limits_is_refused() {
    let runs = Arc::new(Runs::default());
    let policy = Approval::new(|_| async {
        let deep = (0..100).fold(json!(1), |inner, _| json!([inner]));
        Decision::Edit(json!({"filter": {"column": "x", "limit": 1, "deep": deep}}))
    });
    let toolbox = guarded_toolbox(policy, &runs);
    let output = toolbox.call("purge", PURGE).await;
    assert!(
        output.text().contains("nest deeper than 64 levels"),
        "{}",
        output.text()
    );
    assert_eq!(output.error().map(ToolError::kind), Some("invalid_edit"));
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn ask_with_no_one_to_ask_falls_back_to_not_running() {
    let runs = Arc::new(Runs::default());
    let toolbox = guarded_toolbox(Approval::ask_destructive(), &runs);
    // Not destructive: allowed without asking.
    assert_eq!(toolbox.call("list", "{}").await.text(), "3 rows");
    let output = toolbox.call("purge", PURGE).await;
    assert_eq!(
        output.text(),
        "purge was not run: it needs a person's approval and none was available. \
         Go on without it, or ask the user to run it themselves."
    );
    assert_eq!(
        output.error(),
        Some(&ToolError::Unapproved {
            tool: "purge".into(),
            waited: None
        })
    );
    assert_eq!(runs.count(), 1);
    assert_eq!(toolbox.stats("purge").unwrap().denials, 1);
    assert_eq!(toolbox.stats("list").unwrap().approvals, 0);

    // An approver that answers `Ask` could not ask anyone: the fallback applies too.
    let (unsure, _) = person(Decision::Ask);
    let results = toolbox
        .call_all([ToolCall::new("1", "purge", PURGE).with_approver(unsure)])
        .await;
    assert!(matches!(
        results[0].output.error(),
        Some(ToolError::Unapproved { waited: None, .. })
    ));

    // A fallback that allows runs the call.
    let open = guarded_toolbox(Approval::ask_destructive().fallback(Decision::Allow), &runs);
    assert_eq!(
        open.call("purge", PURGE).await.text(),
        "purged 10 rows of spam"
    );
    assert_eq!(runs.count(), 2);
}

/// A policy or an approver that panics does not reach the caller: the call is not run, as
/// when no one could approve it, and the tool is not blamed.
#[tokio::test]
async fn a_panicking_policy_or_approver_leaves_the_call_unrun() {
    let runs = Arc::new(Runs::default());
    let unapproved = "purge was not run: it needs a person's approval and none was available. \
                      Go on without it, or ask the user to run it themselves.";
    let broken = guarded_toolbox(Approval::new(|_| async { panic!("policy bug") }), &runs);
    assert_eq!(broken.call("purge", PURGE).await.text(), unapproved);
    let results = broken.call_all([ToolCall::new("1", "purge", PURGE)]).await;
    assert_eq!(results[0].output.text(), unapproved);
    assert_eq!(broken.stats("purge").unwrap().denials, 2);
    assert_eq!(broken.stats("purge").unwrap().panics, 0);

    let toolbox = guarded_toolbox(Approval::ask_destructive(), &runs);
    let approver = Approver::new(|_| async { panic!("approver bug") });
    let call = ToolCall::new("1", "purge", PURGE).with_approver(approver);
    assert_eq!(toolbox.call_all([call]).await[0].output.text(), unapproved);
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn the_calls_approver_answers_before_the_policys() {
    let runs = Arc::new(Runs::default());
    let (desk, desk_asked) = person(Decision::deny("the desk says no"));
    let toolbox = guarded_toolbox(Approval::ask_destructive().approver(desk), &runs);

    // The policy's approver, for a call that brings none.
    let output = toolbox.call("purge", PURGE).await;
    assert!(
        output.text().contains("(the desk says no)"),
        "{}",
        output.text()
    );
    assert_eq!(desk_asked.lock().unwrap().len(), 1);

    // The call's own approver, who says yes: the call runs and is counted as approved.
    let (user, user_asked) = person(Decision::Allow);
    let results = toolbox
        .call_all([ToolCall::new("7", "purge", PURGE).with_approver(user)])
        .await;
    assert_eq!(results[0].output.text(), "purged 10 rows of spam");
    assert_eq!(
        desk_asked.lock().unwrap().len(),
        1,
        "the desk was not asked"
    );
    let asked = user_asked.lock().unwrap();
    assert_eq!(asked[0].call_id.as_deref(), Some("7"));
    assert_eq!(
        asked[0].arguments_text(),
        "{\n  \"filter\": {\n    \"column\": \"spam\",\n    \"limit\": 10\n  }\n}"
    );
    let stats = toolbox.stats("purge").unwrap();
    assert_eq!((stats.approvals, stats.denials), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn the_wait_for_a_person_is_not_the_tools_time() {
    let runs = Arc::new(Runs::default());
    // The person takes a minute to answer; the tool has one second and needs 800 ms.
    let slow_person = Approver::new(|_| async {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Decision::Allow
    });
    let toolbox = guarded_toolbox(Approval::ask_destructive().approver(slow_person), &runs);
    let results = toolbox
        .call_all([ToolCall::new("1", "slow_write", r#"{"ms": 800}"#)])
        .await;
    assert_eq!(results[0].output.text(), "wrote in 800 ms");
    // The call's time starts when it is approved.
    assert_eq!(results[0].elapsed, Duration::from_millis(800));
    assert_eq!(toolbox.stats("slow_write").unwrap().approvals, 1);
}

#[tokio::test(start_paused = true)]
async fn the_batch_deadline_cuts_the_wait_for_a_person() {
    let runs = Arc::new(Runs::default());
    let toolbox = guarded_toolbox(Approval::ask_destructive().approver(absent()), &runs);
    let results = toolbox
        .call_all_with(
            [
                ToolCall::new("1", "purge", PURGE),
                ToolCall::new("2", "list", "{}"),
            ],
            BatchOptions::new().deadline(Duration::from_secs(30)),
        )
        .await;
    assert_eq!(
        results[0].output.text(),
        "purge was not run: it needs a person's approval and none came within 30s. \
         Go on without it, or ask the user to run it themselves."
    );
    assert_eq!(results[1].output.text(), "3 rows");
    assert_eq!(runs.count(), 1);
    assert_eq!(toolbox.stats("purge").unwrap().denials, 1);
}

#[tokio::test(start_paused = true)]
async fn cancelling_the_batch_cuts_the_wait_for_a_person() {
    let runs = Arc::new(Runs::default());
    let toolbox = guarded_toolbox(Approval::ask_destructive().approver(absent()), &runs);
    let stop = CancellationToken::new();
    tokio::spawn({
        let stop = stop.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            stop.cancel();
        }
    });
    let results = toolbox
        .call_all_with(
            [ToolCall::new("1", "purge", PURGE)],
            BatchOptions::new().cancellation(stop),
        )
        .await;
    assert_eq!(
        results[0].output.error(),
        Some(&ToolError::Cancelled {
            tool: "purge".into()
        })
    );
    assert_eq!(runs.count(), 0);

    // The same for one call that its caller cancels, as an MCP client does.
    let stop = CancellationToken::new();
    stop.cancel();
    let result = toolbox
        .call_with(ToolCall::new("2", "purge", PURGE), &stop)
        .await;
    assert_eq!(
        result.output.text(),
        "purge was cancelled before it finished."
    );
    assert_eq!(runs.count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_call_waiting_for_a_person_holds_no_concurrency_slot() {
    let runs = Arc::new(Runs::default());
    // The person answers only once `list` has run: were the waiting call holding the
    // toolbox's only slot, `list` could not run, and the batch would reach its deadline.
    let listed = runs.clone();
    let patient = Approver::new(move |_| {
        let listed = listed.clone();
        async move {
            while listed.count() == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Decision::Allow
        }
    });
    let toolbox = Toolbox::builder()
        .tools([purge::tool(), list::tool()])
        .state_arc(runs.clone())
        .approval(Approval::ask_destructive().approver(patient))
        .concurrency_limit(1)
        .build()
        .unwrap();
    let results = toolbox
        .call_all_with(
            [
                ToolCall::new("1", "purge", PURGE),
                ToolCall::new("2", "list", "{}"),
            ],
            BatchOptions::new().deadline(Duration::from_secs(60)),
        )
        .await;
    let texts: Vec<&str> = results.iter().map(|r| r.output.text()).collect();
    assert_eq!(texts, ["purged 10 rows of spam", "3 rows"]);
}

#[tokio::test]
async fn arguments_that_are_not_an_object_are_shown_as_sent() {
    let runs = Arc::new(Runs::default());
    let (user, asked) = person(Decision::Allow);
    let toolbox = guarded_toolbox(Approval::ask_destructive().approver(user), &runs);
    let output = toolbox.call("purge", "[1, 2]").await;
    assert!(output.text().starts_with("invalid arguments for purge"));
    assert_eq!(asked.lock().unwrap()[0].arguments, Value::from("[1, 2]"));
    assert_eq!(runs.count(), 0);
}
