//! A toolbox's declarations, built once per form (the first time they are exported) and
//! shared: every model request carries the tool list, and a toolbox's tools do not change.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::Toolbox;

use super::dialects::{ExportError, NullStyle, Strict};
use super::gemini::GeminiDialect;

/// A toolbox's declarations in one provider's format, as its requests carry them.
///
/// Each form is built once per toolbox, the first time it is exported, and shared after:
/// exporting again, and cloning, copy no JSON. It reads as a slice of JSON values (one per
/// declaration) and serializes as a JSON array.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::anthropic;
/// use tool_runtime::{tool, Toolbox};
///
/// /// Get weather
/// #[tool]
/// async fn get_weather(location: String) -> String {
///     format!("Sunny in {location}")
/// }
///
/// # fn main() {
/// let toolbox = Toolbox::builder().tool(get_weather::tool()).build().unwrap();
/// let tools = anthropic::tools(&toolbox);
/// assert_eq!(tools[0]["name"], "get_weather");
/// // The same list again, not a copy of it.
/// assert!(std::ptr::eq(&tools[0], &anthropic::tools(&toolbox)[0]));
/// let request = json!({"model": "claude-sonnet-4-5", "max_tokens": 1024, "tools": tools});
/// assert_eq!(request["tools"][0]["name"], "get_weather");
/// # }
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Declarations(Arc<[Value]>);

impl Deref for Declarations {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Declarations {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Declarations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl fmt::Debug for Declarations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<const N: usize> PartialEq<[Value; N]> for Declarations {
    fn eq(&self, other: &[Value; N]) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<[Value]> for Declarations {
    fn eq(&self, other: &[Value]) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<Vec<Value>> for Declarations {
    fn eq(&self, other: &Vec<Value>) -> bool {
        *self.0 == **other
    }
}

impl From<Declarations> for Value {
    /// The declarations as a JSON array: a copy of them.
    fn from(declarations: Declarations) -> Value {
        Value::Array(declarations.to_vec())
    }
}

/// A form a toolbox's tools are declared in: a provider's format with its options.
#[derive(Clone, Copy)]
pub(crate) enum Form {
    OpenAi(Strict),
    OpenAiResponses(Strict),
    Anthropic,
    Gemini(GeminiDialect),
    Ollama,
    Mcp(NullStyle),
}

/// How many forms there are.
const FORMS: usize = 12;

impl Form {
    /// The form's place among the [`FORMS`].
    fn index(self) -> usize {
        let strict = |strict| match strict {
            Strict::Off => 0,
            Strict::On => 1,
            Strict::OnOrFallback => 2,
        };
        match self {
            Form::OpenAi(mode) => strict(mode),
            Form::OpenAiResponses(mode) => 3 + strict(mode),
            Form::Anthropic => 6,
            Form::Gemini(GeminiDialect::Parameters) => 7,
            Form::Gemini(GeminiDialect::ParametersJsonSchema) => 8,
            Form::Ollama => 9,
            Form::Mcp(NullStyle::AnyOf) => 10,
            Form::Mcp(NullStyle::TypeArray) => 11,
        }
    }
}

/// The declarations of one form: the list, or why the tools cannot be declared in it.
type Built = Result<Declarations, ExportError>;

/// The declarations a toolbox has been exported as, one slot per form.
#[derive(Default)]
pub(crate) struct DeclarationCache {
    forms: [OnceLock<Built>; FORMS],
}

/// The declarations of `toolbox` in `form`: built by `build` the first time, shared after.
pub(crate) fn cached(
    toolbox: &Toolbox,
    form: Form,
    build: impl FnOnce() -> Result<Vec<Value>, ExportError>,
) -> Built {
    toolbox.inner.declarations.forms[form.index()]
        .get_or_init(|| build().map(|list| Declarations(list.into())))
        .clone()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::providers::{anthropic, gemini, mcp, ollama, openai, openai_responses};
    use crate::{ArgumentsRef, BoxFuture, CallContext, Failure, State, Tool, ToolSpec, ToolValue};

    struct Echo;

    impl Tool for Echo {
        fn spec(&self) -> ToolSpec {
            let schema = json!({
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"]
            });
            ToolSpec::new("echo", "Returns its text.", schema)
        }

        fn call<'a>(
            &'a self,
            arguments: ArgumentsRef<'a>,
            _context: CallContext,
            _state: &'a State,
        ) -> BoxFuture<'a, Result<ToolValue, Failure>> {
            Box::pin(async move { Ok(ToolValue::text(arguments.to_json_string())) })
        }
    }

    /// Every export of every form, one per form.
    const EXPORTS: [fn(&Toolbox) -> Declarations; FORMS] = [
        |toolbox| openai::tools(toolbox, Strict::Off).unwrap(),
        |toolbox| openai::tools(toolbox, Strict::On).unwrap(),
        |toolbox| openai::tools(toolbox, Strict::OnOrFallback).unwrap(),
        |toolbox| openai_responses::tools(toolbox, Strict::Off).unwrap(),
        |toolbox| openai_responses::tools(toolbox, Strict::On).unwrap(),
        |toolbox| openai_responses::tools(toolbox, Strict::OnOrFallback).unwrap(),
        anthropic::tools,
        |toolbox| gemini::tools(toolbox, GeminiDialect::Parameters).unwrap(),
        |toolbox| gemini::tools(toolbox, GeminiDialect::ParametersJsonSchema).unwrap(),
        |toolbox| ollama::tools(toolbox).unwrap(),
        |toolbox| mcp::tools_list(toolbox, NullStyle::AnyOf),
        |toolbox| mcp::tools_list(toolbox, NullStyle::TypeArray),
    ];

    #[test]
    fn each_form_is_built_once_and_handed_out_without_a_copy() {
        let toolbox = Toolbox::builder().tool(Arc::new(Echo)).build().unwrap();
        let first: Vec<Declarations> = EXPORTS.iter().map(|export| export(&toolbox)).collect();
        for (export, first) in EXPORTS.iter().zip(&first) {
            let again = export(&toolbox);
            assert_eq!(again.len(), 1);
            assert!(std::ptr::eq(again.as_ptr(), first.as_ptr()));
        }
        // One list per form: no two forms share a slot.
        for (i, a) in first.iter().enumerate() {
            for b in &first[i + 1..] {
                assert!(!std::ptr::eq(a.as_ptr(), b.as_ptr()));
            }
        }
    }

    #[test]
    fn declarations_serialize_and_compare_as_their_list() {
        let toolbox = Toolbox::builder().tool(Arc::new(Echo)).build().unwrap();
        let tools = anthropic::tools(&toolbox);
        let list = vec![json!({
            "name": "echo",
            "description": "Returns its text.",
            "input_schema": {
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"]
            }
        })];
        assert_eq!(tools, list);
        assert_eq!(tools, [list[0].clone()]);
        assert_eq!(
            serde_json::to_string(&tools).unwrap(),
            serde_json::to_string(&list).unwrap()
        );
        assert_eq!(Value::from(tools.clone()), Value::Array(list));
        assert_eq!(format!("{tools:?}"), format!("{:?}", &*tools));
    }
}
