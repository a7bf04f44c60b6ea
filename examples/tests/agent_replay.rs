//! The agent loop, replaying the recorded conversation against the real tools: every call the
//! recording makes runs, and its result goes back in the exact OpenAI message shape; the
//! person's recorded answer approves the destructive call.

use std::collections::VecDeque;
use std::sync::Arc;

use examples::Demo;
use examples::agent::{Model, Notes, Person, Step, run, toolbox};
use serde_json::{Value, json};

#[tokio::test]
async fn the_recorded_conversation_runs_to_its_answer() {
    let demo = Demo::start().await.unwrap();
    let notes = Arc::new(Notes::default());
    let toolbox = toolbox(&demo, notes.clone(), Person::replay().unwrap()).unwrap();
    let mut model = Model::replay(&demo.server.url("")).unwrap();
    let mut turns = Vec::new();
    let mut answer = String::new();
    let messages = run(&toolbox, &mut model, "question", 8, |step| match step {
        Step::Calls { turn, results, .. } => {
            turns.push((
                turn,
                results.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
            ));
            assert!(
                results.iter().all(|r| !r.output.is_error()),
                "every recorded call succeeds"
            );
        }
        Step::Answer(text) => answer = text.to_owned(),
    })
    .await
    .unwrap();

    assert_eq!(
        turns,
        [
            (
                1,
                vec![
                    "query_db".to_owned(),
                    "read_file".into(),
                    "fetch_url".into()
                ]
            ),
            (
                2,
                vec![
                    "parse_csv_summary".to_owned(),
                    "greet_after_delay".into(),
                    "save_note".into()
                ]
            ),
        ]
    );
    assert!(answer.starts_with("Hello, Ada!"));

    // system, user, assistant + 3 tool messages, assistant + 3 tool messages, assistant.
    assert_eq!(messages.len(), 11);
    let tool_messages: Vec<&Value> = messages.iter().filter(|m| m["role"] == "tool").collect();
    assert_eq!(
        *tool_messages[0],
        json!({
            "role": "tool",
            "tool_call_id": "call_Qm3kV8sT2xLp9RwZ4nHd1Ya6",
            "content": r#"{"columns":["name","population"],"rows":[{"name":"Paris","population":2102650},{"name":"Lyon","population":522250}],"truncated":false}"#
        })
    );
    assert_eq!(tool_messages[2]["content"], "Hello from the local server!");
    assert_eq!(tool_messages[4]["content"], "Hello, Ada!");
    assert_eq!(
        tool_messages[5]["content"],
        r#"saved the note "french-cities""#
    );
    assert_eq!(
        notes.get("french-cities").as_deref(),
        Some("Paris (2,102,650 people), Lyon (522,250)")
    );
    assert_eq!(toolbox.stats("save_note").unwrap().approvals, 1);
}

#[tokio::test]
async fn a_person_who_answers_no_keeps_the_tool_from_running() {
    let demo = Demo::start().await.unwrap();
    let notes = Arc::new(Notes::default());
    let person = Person::Replay(VecDeque::from([false]));
    let toolbox = toolbox(&demo, notes.clone(), person).unwrap();
    let mut model = Model::replay(&demo.server.url("")).unwrap();
    let messages = run(&toolbox, &mut model, "question", 8, |_| {})
        .await
        .unwrap();
    let declined = messages
        .iter()
        .find(|m| m["tool_call_id"] == "call_Nt8wQ3rE6yUo1PaS5dFg7Hj2")
        .unwrap();
    assert_eq!(
        declined["content"],
        "save_note was not run: the user declined it (they answered no). Do not repeat the \
         call; go on without it, or ask the user what to do."
    );
    assert_eq!(notes.get("french-cities"), None);
    assert_eq!(toolbox.stats("save_note").unwrap().denials, 1);
}

#[tokio::test]
async fn the_live_path_sends_the_tools_and_the_results_over_http() {
    let demo = Demo::start().await.unwrap();
    let toolbox = toolbox(&demo, Arc::default(), Person::replay().unwrap()).unwrap();
    let recording = examples::agent::RECORDING.replace("{server}", &demo.server.url(""));
    let responses: Vec<Value> = serde_json::from_str(&recording).unwrap();
    let endpoint = examples::fixtures::ChatServer::start(responses)
        .await
        .unwrap();
    let mut model = Model::Live {
        http: reqwest::Client::new(),
        url: format!("{}/chat/completions", endpoint.base_url()),
        key: Some("sk-test".into()),
        model: "local-model".into(),
    };
    let messages = run(&toolbox, &mut model, "question", 8, |_| {})
        .await
        .unwrap();
    assert_eq!(messages.len(), 11);

    let requests = endpoint.requests();
    assert_eq!(requests.len(), 3);
    for (authorization, body) in &requests {
        assert_eq!(authorization.as_deref(), Some("Bearer sk-test"));
        assert_eq!(body["model"], "local-model");
        assert_eq!(body["parallel_tool_calls"], true);
        let names: Vec<&str> = body["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["function"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "fetch_url",
                "greet_after_delay",
                "parse_csv_summary",
                "query_db",
                "read_file",
                "save_note"
            ]
        );
    }
    // The last request carries the whole conversation: the second turn's results included.
    let last = requests[2].1["messages"].as_array().unwrap();
    assert_eq!(last.len(), 10);
    assert_eq!(
        last[8],
        json!({"role": "tool", "tool_call_id": "call_Gk5pR1yD8sVm3XqW6nTb2Lz9", "content": "Hello, Ada!"})
    );
}
