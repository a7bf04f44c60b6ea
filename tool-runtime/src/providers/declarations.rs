//! A toolbox's declarations, built once per form (the first time they are exported) and
//! shared: every model request carries the tool list, and a toolbox's tools do not change.

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::Toolbox;

use super::{ExportError, GeminiDialect, NullStyle, Strict};

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
type Built = Result<Arc<Vec<Value>>, ExportError>;

/// The declarations a toolbox has been exported as, one slot per form.
#[derive(Default)]
pub(crate) struct Declarations {
    forms: [OnceLock<Built>; FORMS],
}

/// The declarations of `toolbox` in `form`: built by `build` the first time, shared after.
pub(crate) fn cached(
    toolbox: &Toolbox,
    form: Form,
    build: impl FnOnce() -> Result<Vec<Value>, ExportError>,
) -> Built {
    toolbox.inner.declarations.forms[form.index()]
        .get_or_init(|| build().map(Arc::new))
        .clone()
}
