//! A toolbox handed to rig through its dynamic tool interface: each tool becomes a rig
//! `DynamicTool` whose callback calls the toolbox, so the tool's timeout, argument checks and
//! panic catching stay ours, and a failure reaches the model as our text. An agent takes them
//! with `agent_builder.dynamic_tools(rig_tools(&toolbox))`; here they go into the `ToolSet` an
//! agent dispatches through, and are called as the agent would call them.

use rig_agent::tool::ToolSet;
use rig_core::completion::message::ToolName;
use rig_core::tool::{DynamicTool, ToolContext, ToolErrorKind, ToolExecutionError, ToolOutput};
use tool_runtime::{Toolbox, tool};

/// Adds two integers.
#[tool(timeout = "1s")]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The toolbox's tools as rig dynamic tools, declared with the toolbox's names, descriptions
/// and schemas. rig reads the arguments as JSON; the toolbox decodes and checks them.
fn rig_tools(toolbox: &Toolbox) -> Vec<DynamicTool> {
    toolbox
        .specs()
        .map(|spec| {
            let toolbox = toolbox.clone();
            let name = spec.name.to_string();
            let rig_name = ToolName::new(name.clone()).expect("a tool's name is never empty");
            DynamicTool::new(
                rig_name,
                spec.description.as_ref(),
                spec.input_schema.clone(),
                move |arguments| {
                    let (toolbox, name) = (toolbox.clone(), name.clone());
                    Box::pin(async move {
                        let output = toolbox.call(&name, arguments).await;
                        if output.is_error() {
                            Err(ToolExecutionError::new(ToolErrorKind::Other, output.into_text()))
                        } else {
                            Ok(ToolOutput::text(output.into_text()))
                        }
                    })
                },
            )
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let toolbox = Toolbox::builder().tool(add::tool()).build().unwrap();
    let tools = ToolSet::from_dynamic_tools(rig_tools(&toolbox));

    let mut context = ToolContext::default();
    let result = tools.execute("add", r#"{"a": 2, "b": 3}"#, &mut context).await;
    println!("add(2, 3): {}", result.output().render());
    assert!(result.is_success());

    let result = tools.execute("add", r#"{"a": 2}"#, &mut context).await;
    let error = result.error().expect("missing b is an error");
    println!("add(2): {}", error.message());
    assert!(error.message().contains("missing field `b`"));

    // The toolbox counted both calls, whichever framework made them.
    assert_eq!(toolbox.stats("add").unwrap().calls, 2);
}
