//! An agent loop for OpenAI-compatible Chat Completions endpoints (OpenAI, llama.cpp's server,
//! Ollama, vLLM, ...): send the conversation and the tools, run the turn's tool calls
//! concurrently, feed the results back, until the model answers in words. A person is asked
//! before each call of a `destructive` tool ([`Person`]).

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};
use tool_runtime::providers::{Strict, openai};
use tool_runtime::{Approval, ApprovalRequest, Approver, Decision, Toolbox, tool};

use crate::tools::{Database, FilesRoot, HttpClient};
use crate::{BoxError, Demo};

/// The recorded conversation the agent replays when no endpoint is set: the responses of a
/// Chat Completions endpoint, as the API returned them, with the local server's address written
/// `{server}` (it changes with every run).
pub const RECORDING: &str = include_str!("../recorded/agent_conversation.json");

/// The answers the person gave in the recorded conversation, in order: `"y"` or `"n"` to each
/// destructive call.
pub const RECORDED_ANSWERS: &str = include_str!("../recorded/agent_answers.json");

/// At most this many characters of each argument's value are shown when asking.
const SHOWN_VALUE_CHARS: usize = 120;

/// `text` fit to print on the user's terminal: every control character but the line feed is
/// escaped (`\u{1b}`, `\r`, `\u{7}`), so neither the model nor a page it fetched can move the
/// cursor, clear the screen, retitle the window or hide what was printed.
pub fn for_terminal(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown
}

/// The question asked before `call` runs: the tool, then every argument on a line of its own,
/// each value cut on its own, so that no argument can push another out of view.
pub fn question(call: &ApprovalRequest) -> String {
    let mut question = format!("  ? run {}", for_terminal(&call.tool));
    match &call.arguments {
        Value::Object(arguments) if arguments.is_empty() => question.push_str(" with no arguments"),
        Value::Object(arguments) => {
            for (key, value) in arguments {
                let key = shown(&Value::from(key.as_str()));
                question.push_str(&format!("\n      {key}: {}", shown(value)));
            }
        }
        other => question.push_str(&format!("\n      {}", shown(other))),
    }
    question.push_str("\n    [y/N] ");
    question
}

/// `value` as compact JSON for the terminal, cut after [`SHOWN_VALUE_CHARS`] characters with
/// the number cut.
fn shown(value: &Value) -> String {
    let json = for_terminal(&value.to_string());
    match json.char_indices().nth(SHOWN_VALUE_CHARS) {
        Some((end, _)) => {
            let cut = json[end..].chars().count();
            format!("{}… ({cut} more characters)", &json[..end])
        }
        None => json,
    }
}

/// The agent's notes, by title: what `save_note` writes.
#[derive(Debug, Default)]
pub struct Notes(Mutex<BTreeMap<String, String>>);

impl Notes {
    /// The note saved under `title`.
    pub fn get(&self, title: &str) -> Option<String> {
        self.0.lock().expect("never poisoned").get(title).cloned()
    }
}

/// Saves a note under a title, replacing any note of that title.
///
/// # Arguments
/// * `title` - a short name for the note
/// * `text` - what the note says
#[tool(destructive, timeout = "1s")]
pub async fn save_note(
    #[schemars(length(min = 1, max = 100))] title: String,
    #[schemars(length(max = 10000))] text: String,
    #[state] notes: &Notes,
) -> String {
    let replaced = notes
        .0
        .lock()
        .expect("never poisoned")
        .insert(title.clone(), text)
        .is_some();
    if replaced {
        format!("replaced the note {title:?}")
    } else {
        format!("saved the note {title:?}")
    }
}

/// The person asked before each call of a `destructive` tool.
pub enum Person {
    /// Asked on the terminal, `y/N`, with the tool and its arguments shown.
    Terminal,
    /// The recorded answers, given in order and shown as if typed; a call past them is
    /// declined.
    Replay(VecDeque<bool>),
}

impl Person {
    /// The answers of the recorded conversation.
    pub fn replay() -> Result<Person, BoxError> {
        let answers: Vec<String> = serde_json::from_str(RECORDED_ANSWERS)?;
        Ok(Person::Replay(answers.iter().map(|a| a == "y").collect()))
    }

    /// The person, as the approver of the toolbox's approval policy. One question is on
    /// the terminal at a time.
    pub fn approver(self) -> Approver {
        let person = Arc::new(Mutex::new(self));
        Approver::new(move |call: ApprovalRequest| {
            let person = person.clone();
            async move {
                let asked = tokio::task::spawn_blocking(move || {
                    person.lock().expect("never poisoned").ask(&call)
                });
                match asked.await {
                    Ok(Ok(true)) => Decision::Allow,
                    Ok(Ok(false)) => Decision::deny("they answered no"),
                    // The terminal is closed or unreadable: no one answered.
                    Ok(Err(_)) | Err(_) => Decision::Ask,
                }
            }
        })
    }

    /// Shows the call and reads the answer: only `y` or `yes` runs it.
    fn ask(&mut self, call: &ApprovalRequest) -> std::io::Result<bool> {
        let mut out = std::io::stdout().lock();
        write!(out, "{}", question(call))?;
        out.flush()?;
        let yes = match self {
            Person::Terminal => {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
            }
            Person::Replay(answers) => {
                let yes = answers.pop_front().unwrap_or(false);
                writeln!(out, "{} (recorded)", if yes { "y" } else { "n" })?;
                yes
            }
        };
        Ok(yes)
    }
}

/// The demo's tools and `save_note` (writing to `notes`), with `person` asked before each
/// call of a destructive tool.
pub fn toolbox(demo: &Demo, notes: Arc<Notes>, person: Person) -> Result<Toolbox, BoxError> {
    let toolbox = crate::toolbox_builder(
        HttpClient::allowing([demo.server.addr()])?,
        Database::open_read_only(&demo.database())?,
        FilesRoot::new(&demo.files())?,
    )
    .tool(save_note::tool())
    .state_arc(notes)
    .approval(Approval::ask_destructive().approver(person.approver()))
    .build()?;
    Ok(toolbox)
}

/// Where completions come from.
pub enum Model {
    /// A live endpoint.
    Live {
        /// The HTTP client.
        http: reqwest::Client,
        /// `{base}/chat/completions`.
        url: String,
        /// The API key, if any (local servers need none).
        key: Option<String>,
        /// The model name.
        model: String,
    },
    /// Recorded responses, replayed in order.
    Replay(VecDeque<Value>),
}

impl Model {
    /// The endpoint named by `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `OPENAI_MODEL`, if
    /// `OPENAI_BASE_URL` is set.
    pub fn from_env() -> Result<Option<Model>, BoxError> {
        let Ok(base) = std::env::var("OPENAI_BASE_URL") else {
            return Ok(None);
        };
        Ok(Some(Model::Live {
            http: crate::tools::fetch::trusted_client()?,
            url: format!("{}/chat/completions", base.trim_end_matches('/')),
            key: std::env::var("OPENAI_API_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
            model: std::env::var("OPENAI_MODEL").unwrap_or_else(|_| "gpt-4.1-mini".to_owned()),
        }))
    }

    /// The recorded conversation, with `server` (as `http://127.0.0.1:PORT`) for `{server}`.
    pub fn replay(server: &str) -> Result<Model, BoxError> {
        let text = RECORDING.replace("{server}", server);
        let responses: Vec<Value> = serde_json::from_str(&text)?;
        Ok(Model::Replay(responses.into()))
    }

    /// The next response to `messages`, with `tools` offered.
    pub async fn complete(
        &mut self,
        messages: &[Value],
        tools: &[Value],
    ) -> Result<Value, BoxError> {
        match self {
            Model::Replay(responses) => responses
                .pop_front()
                .ok_or_else(|| "the recording has no more responses".into()),
            Model::Live {
                http,
                url,
                key,
                model,
            } => {
                let body = json!({
                    "model": model,
                    "messages": messages,
                    "tools": tools,
                    "parallel_tool_calls": true,
                });
                let mut request = http
                    .post(url.as_str())
                    .header(CONTENT_TYPE, "application/json")
                    .body(serde_json::to_vec(&body)?);
                if let Some(key) = key {
                    request = request.header(AUTHORIZATION, format!("Bearer {key}"));
                }
                let response = request.send().await?;
                let status = response.status();
                let bytes = response.bytes().await?;
                if !status.is_success() {
                    let text = String::from_utf8_lossy(&bytes);
                    return Err(format!("the endpoint answered {status}: {text}").into());
                }
                Ok(serde_json::from_slice(&bytes)?)
            }
        }
    }
}

/// What happened in one step of the loop, for the caller to show.
pub enum Step<'a> {
    /// The model asked for these calls, which ran concurrently.
    Calls {
        /// The turn, from 1.
        turn: usize,
        /// The calls' results, in order.
        results: &'a [tool_runtime::CallResult],
        /// The batch's wall time.
        wall: std::time::Duration,
    },
    /// The model answered.
    Answer(&'a str),
}

/// Runs the conversation until the model answers (at most `max_turns` rounds of tool calls),
/// showing each step to `show`; returns the whole conversation.
pub async fn run(
    toolbox: &Toolbox,
    model: &mut Model,
    question: &str,
    max_turns: usize,
    mut show: impl FnMut(Step<'_>),
) -> Result<Vec<Value>, BoxError> {
    let tools = openai::tools(toolbox, Strict::OnOrFallback)?;
    let mut messages = vec![
        json!({"role": "system", "content": "You are a helpful assistant. Use the tools to answer; call independent tools in parallel."}),
        json!({"role": "user", "content": question}),
    ];
    for turn in 1..=max_turns {
        let response = model.complete(&messages, &tools).await?;
        let message = response
            .pointer("/choices/0/message")
            .cloned()
            .ok_or("the response has no message")?;
        let calls = openai::read_calls(&message)?;
        messages.push(message);
        if calls.is_empty() {
            let answer = messages
                .last()
                .and_then(|m| m["content"].as_str())
                .unwrap_or_default();
            show(Step::Answer(answer));
            return Ok(messages);
        }
        let started = Instant::now();
        let results = toolbox.call_all(calls).await;
        show(Step::Calls {
            turn,
            results: &results,
            wall: started.elapsed(),
        });
        messages.extend(openai::write_results(&results));
    }
    Err(format!("no answer after {max_turns} rounds of tool calls").into())
}
