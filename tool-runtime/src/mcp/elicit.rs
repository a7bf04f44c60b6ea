//! Asking the client's user about a call the toolbox's [`Approval`](crate::Approval) policy
//! sends to a person: a yes/no form through MCP elicitation, naming the tool and showing its
//! arguments.
//!
//! Up to protocol 2025-11-25 the server sends `elicitation/create` and waits for the answer.
//! From 2026-07-28, which forbids requests from the server, the call is answered with an
//! `input_required` result carrying the same form; the client asks its user and sends the call
//! again with the answer, which decides it.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

use rmcp::RoleServer;
use rmcp::model::{
    CallToolRequestParams, ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction,
    ElicitationSchema, InputRequest, InputRequests, InputRequiredResult,
};
use rmcp::service::{Peer, RequestContext};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::{ApprovalRequest, Approver, Decision};

/// The form's one field: `true` runs the call.
const FIELD: &str = "approve";

/// At most this many characters of the arguments are shown; longer ones are cut, saying so.
const SHOWN_ARGUMENT_CHARS: usize = 4000;

/// How the user of the client of one `tools/call` is asked.
pub(super) struct Asking {
    /// Who answers for the user, for the call's [`ToolCall::with_approver`](crate::ToolCall::with_approver).
    pub(super) approver: Approver,
    /// From 2026-07-28: the `input_required` result to answer with, sent when the user must
    /// be asked and the call did not bring the answer.
    pub(super) input_required: Option<oneshot::Receiver<InputRequiredResult>>,
}

/// How to ask the user of the client of this call, when the client declared that it can show
/// a form (the elicitation capability); `None` when it cannot, and the policy's own approver or
/// fallback decides.
pub(super) fn asking(
    request: &mut CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Option<Asking> {
    let elicitation = context.client_capabilities()?.elicitation?;
    // A client that names no mode takes forms (the capability before modes existed).
    if elicitation.form.is_none() && elicitation.url.is_some() {
        return None;
    }
    let modern = context
        .protocol_version()
        .is_some_and(|version| !version.has_initialize());
    if !modern {
        return Some(Asking {
            approver: through_requests(context.peer.clone()),
            input_required: None,
        });
    }
    let answers = request.input_responses.take().unwrap_or_default();
    let (send, input_required) = oneshot::channel();
    let send = Mutex::new(Some(send));
    let approver = Approver::new(move |call: ApprovalRequest| {
        let key = answer_key(&call);
        let decision = match answers.get(&key) {
            Some(answer) => Some(match ElicitResult::deserialize(answer) {
                Ok(result) => decision(result),
                Err(_) => Decision::deny("the client's answer to the approval form was unreadable"),
            }),
            None => {
                let form = InputRequest::Elicitation(ElicitRequest::new(form(&call)));
                let requests = InputRequests::from([(key, form)]);
                if let Some(send) = send.lock().expect("never poisoned").take() {
                    let _ = send.send(InputRequiredResult::from_input_requests(requests));
                }
                None
            }
        };
        async move {
            match decision {
                Some(decision) => decision,
                // The call is answered with `input_required` and this future dropped.
                None => std::future::pending().await,
            }
        }
    });
    Some(Asking {
        approver,
        input_required: Some(input_required),
    })
}

/// Asks with an `elicitation/create` request, and waits for the answer.
fn through_requests(peer: Peer<RoleServer>) -> Approver {
    Approver::new(move |call: ApprovalRequest| {
        let peer = peer.clone();
        async move {
            match peer.create_elicitation(form(&call)).await {
                Ok(result) => decision(result),
                Err(error) => {
                    tracing::warn!(tool = call.tool, %error, "the client could not ask its user for approval");
                    Decision::Ask
                }
            }
        }
    })
}

/// The key of the answer in `inputResponses`: the same call (tool and arguments) sent again
/// finds it, another does not, so that a yes is never taken for another call.
fn answer_key(call: &ApprovalRequest) -> String {
    let mut hasher = DefaultHasher::new();
    call.tool.hash(&mut hasher);
    call.arguments.to_string().hash(&mut hasher);
    format!("approve-{:016x}", hasher.finish())
}

/// The yes/no form: the tool, its arguments, one required boolean.
fn form(call: &ApprovalRequest) -> ElicitRequestParams {
    let mut arguments = call.arguments_text();
    if let Some((end, _)) = arguments.char_indices().nth(SHOWN_ARGUMENT_CHARS) {
        let left = arguments[end..].chars().count();
        arguments.truncate(end);
        arguments.push_str(&format!("\n… ({left} more characters not shown)"));
    }
    let tool = &call.tool;
    let message = format!(
        "The assistant wants to run the tool \"{tool}\" with these arguments:\n\n{arguments}\n\n\
         Do you approve?"
    );
    let schema = ElicitationSchema::builder()
        .required_bool_with(FIELD, |field| {
            field
                .title(format!("Run {tool}"))
                .description("Yes runs the tool with the arguments shown; no does not run it.")
        })
        .build()
        .expect("the form has its one required field");
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    }
}

/// The decision the user's answer makes: only an accepted form saying yes runs the call.
fn decision(result: ElicitResult) -> Decision {
    match result.action {
        ElicitationAction::Accept => {
            let yes = result
                .content
                .as_ref()
                .and_then(|content| content.get(FIELD))
                .and_then(Value::as_bool);
            match yes {
                Some(true) => Decision::Allow,
                _ => Decision::deny("answered no to the approval form"),
            }
        }
        ElicitationAction::Decline => Decision::deny("declined the approval form"),
        // Cancel, and any action a later revision adds: not a yes.
        _ => Decision::deny("dismissed the approval form without answering"),
    }
}
