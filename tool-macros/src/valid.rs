//! Checks a parsed tool, reporting every mistake at its token with what to write instead.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::Type;

use crate::ast::{Param, ParamKind, StateKind, ToolFn};
use crate::ctxt::Ctxt;
use crate::site::Block;

/// Checks `tool`, recording each problem in `cx`.
pub fn check(cx: &mut Ctxt, tool: &ToolFn) {
    signature(cx, tool);
    name(cx, tool);
    description(cx, tool);
    retries(cx, tool);
    parameters(cx, tool);
    documented_arguments(cx, tool);
}

fn signature(cx: &mut Ctxt, tool: &ToolFn) {
    let sig = &tool.item.sig;
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a tool cannot be generic: its JSON Schema is fixed when it is declared; \
             use concrete types, or declare one tool per type",
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "a tool cannot have a `where` clause; remove it",
        );
    }
    if let Some(block) = tool.block {
        let ident = &tool.item.sig.ident;
        let message = match block {
            Block::Impl => format!(
                "`#[tool]` cannot be used inside an `impl` block: move `{ident}` out of the \
                 `impl` to module level, and receive what the type holds as a `#[state]` \
                 parameter"
            ),
            Block::Trait => format!(
                "`#[tool]` cannot be used inside a trait: move `{ident}` out of the trait to \
                 module level"
            ),
        };
        cx.error_spanned_by(ident, message);
    } else if let Some(self_type) = tool.self_type().filter(|_| tool.receiver.is_none()) {
        cx.error_spanned_by(
            self_type,
            format!(
                "`#[tool]` goes on a free function, and `{}` uses `Self`, so it sits in an \
                 `impl` block: move it out of the `impl` to a module, and receive what the type \
                 holds as a `#[state]` parameter",
                tool.item.sig.ident
            ),
        );
    }
    if let Some(receiver) = &tool.receiver {
        cx.error_spanned_by(
            receiver,
            "a tool is a free function, not a method: move it out of the `impl` block and \
             receive what `self` held as a `#[state]` parameter",
        );
    }
    if let syn::Safety::Unsafe(unsafety) = &sig.safety {
        cx.error_spanned_by(
            unsafety,
            "a tool cannot be `unsafe fn`: a model may call it with any arguments",
        );
    }
    if let syn::ReturnType::Type(_, ty) = &sig.output {
        result_type(cx, ty, sig.asyncness.is_some());
    }
}

/// An `impl Trait` in the return type: the tool's result needs a type the expansion can name.
fn result_type(cx: &mut Ctxt, ty: &Type, is_async: bool) {
    let returns_future = match ty {
        Type::ImplTrait(impl_trait) => impl_trait.bounds.iter().any(|bound| {
            matches!(bound, syn::TypeParamBound::Trait(t)
                if t.path.segments.last().is_some_and(|s| s.ident == "Future"))
        }),
        _ => false,
    };
    if !is_async && returns_future {
        cx.error_spanned_by(
            ty,
            "write `async fn` instead of returning `impl Future`; a plain `fn` tool returns its value",
        );
        return;
    }
    // The whole type when it is `impl Trait`, else its first `impl`, as in `Vec<impl Trait>`.
    let at = match ty {
        Type::ImplTrait(_) => Some(ty.to_token_stream()),
        _ => find(
            ty.to_token_stream(),
            &|tt| matches!(tt, TokenTree::Ident(i) if i == "impl"),
        )
        .map(TokenStream::from),
    };
    if let Some(at) = at {
        cx.error_spanned_by(
            at,
            "a tool's result needs a concrete type, which decides how the model reads it: name \
             the type instead of `impl Trait` (`String`, or a struct that derives `Serialize`)",
        );
    }
}

/// Whether providers accept `name` as a tool's name: 1 to 64 ASCII letters, digits, `_` and
/// `-`.
pub fn is_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn name(cx: &mut Ctxt, tool: &ToolFn) {
    let name = tool.name();
    if !is_tool_name(&name) {
        let message = format!(
            "invalid tool name {name:?}: providers accept 1 to 64 ASCII letters, digits, `_` \
             and `-`; write something like `name = \"get_weather\"`"
        );
        match &tool.attr.name {
            Some(spanned) => cx.push(syn::Error::new(spanned.span, message)),
            None => cx.error_spanned_by(&tool.item.sig.ident, message),
        }
    }
}

fn description(cx: &mut Ctxt, tool: &ToolFn) {
    let has = match &tool.attr.description {
        Some(text) => !text.trim().is_empty(),
        None => !tool.docs.description.trim().is_empty(),
    };
    if !has {
        cx.error_spanned_by(
            &tool.item.sig.ident,
            format!(
                "tool `{}` has no description, and the model needs one to know when to call it; \
                 add a doc comment (`/// What the tool does.`) or `#[tool(description = \"...\")]`",
                tool.name()
            ),
        );
    }
}

/// The runtime's bound on retries (`MAX_RETRIES` in `tool-runtime/src/retry.rs`).
const MAX_RETRIES: u64 = 10;

fn retries(cx: &mut Ctxt, tool: &ToolFn) {
    if let Some(retries) = &tool.attr.retries
        && retries.value > MAX_RETRIES
    {
        cx.push(syn::Error::new(
            retries.span,
            format!(
                "a call is retried at most {MAX_RETRIES} times, within its timeout; write a \
                 number from 0 to {MAX_RETRIES}, such as `retries = 3`"
            ),
        ));
    }
}

fn parameters(cx: &mut Ctxt, tool: &ToolFn) {
    let mut names = Vec::new();
    for param in &tool.params {
        let ty = &*param.pat_type.ty;
        if param.ident.is_none() {
            cx.error_spanned_by(
                &param.pat_type.pat,
                "a tool parameter must be a plain name, as its name is the argument's name: \
                 write `name: Type` and destructure in the body",
            );
        }
        match &param.kind {
            ParamKind::Argument => {
                argument_type(cx, ty);
                given_twice(cx, tool, param);
                if let (Some(ident), Some(name)) = (&param.ident, param.wire_name()) {
                    if names.contains(&name) {
                        cx.error_spanned_by(
                            ident,
                            format!("two arguments are named {name:?}; rename one"),
                        );
                    }
                    names.push(name);
                }
            }
            ParamKind::State(kind) => {
                if let StateKind::Invalid = kind {
                    let message = match ty {
                        Type::Reference(r) if r.mutability.is_some() => {
                            "state is shared by concurrent calls, so it cannot be `&mut`: take \
                             `&T` and put the mutable part behind a `Mutex` or an atomic"
                        }
                        _ => {
                            "a #[state] parameter is a reference into the toolbox's state: \
                              write `&T` or `Arc<T>`"
                        }
                    };
                    cx.error_spanned_by(ty, message);
                }
                misplaced_arg(cx, param.arg_attr.as_ref(), "#[state]");
                misplaced_field_attrs(cx, &param.field_attrs, "#[state]");
            }
            ParamKind::Context { .. } => {
                misplaced_arg(cx, param.arg_attr.as_ref(), "the call context");
                misplaced_field_attrs(cx, &param.field_attrs, "the call context");
            }
        }
    }
}

/// A `#[serde(...)]` or `#[schemars(...)]` option that says again what `#[arg(...)]` or the
/// `# Arguments` section says: the expansion writes that option on the argument's field too.
fn given_twice(cx: &mut Ctxt, tool: &ToolFn, param: &Param) {
    let documented = param.ident.as_ref().is_some_and(|ident| {
        let name = crate::ast::UnrawString::unraw_string(ident);
        tool.docs.arguments.iter().any(|doc| doc.name == name)
    });
    for attr in &param.field_attrs {
        let Ok(list) = attr.meta.require_list() else {
            continue;
        };
        let serde = attr.path().is_ident("serde");
        for key in option_keys(list.tokens.clone()) {
            let first = match key.to_string().as_str() {
                "rename" if serde && param.arg.rename.is_some() => "`#[arg(rename = ...)]`",
                "default" if serde && param.arg.default.is_some() => "`#[arg(default)]`",
                "description" if !serde && param.arg.description.is_some() => {
                    "`#[arg(description = ...)]`"
                }
                "description" if !serde && documented => "the `# Arguments` section",
                _ => continue,
            };
            cx.error_spanned_by(
                &key,
                format!("{first} already gives this argument's `{key}`; remove this one"),
            );
        }
    }
}

/// The names of the options in the tokens of an attribute's list: `rename` and `alias` in
/// `rename = "a", alias = "b"`.
fn option_keys(tokens: TokenStream) -> Vec<proc_macro2::Ident> {
    let mut keys = Vec::new();
    let mut at_start = true;
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) if at_start => keys.push(ident),
            TokenTree::Punct(p) if p.as_char() == ',' => {
                at_start = true;
                continue;
            }
            _ => {}
        }
        at_start = false;
    }
    keys
}

fn misplaced_arg(cx: &mut Ctxt, arg_attr: Option<&syn::Attribute>, what: &str) {
    if let Some(attr) = arg_attr {
        cx.error_spanned_by(
            attr,
            format!(
                "`#[arg]` describes an argument the model fills in, but this parameter is {what} \
                 and the model never sees it; remove `#[arg(...)]`"
            ),
        );
    }
}

fn misplaced_field_attrs(cx: &mut Ctxt, attrs: &[syn::Attribute], what: &str) {
    for attr in attrs {
        cx.error_spanned_by(
            attr,
            format!(
                "`#[serde]` and `#[schemars]` shape an argument's JSON, but this parameter is \
                 {what} and has none; remove the attribute"
            ),
        );
    }
}

fn argument_type(cx: &mut Ctxt, ty: &Type) {
    if contains(
        ty.to_token_stream(),
        &|tt| matches!(tt, TokenTree::Ident(i) if i == "impl"),
    ) {
        cx.error_spanned_by(
            ty,
            "a tool argument needs a concrete type for its JSON Schema: replace `impl Trait` \
             with a type that implements `Deserialize` and `JsonSchema`",
        );
        return;
    }
    let borrowed = matches!(ty, Type::Reference(_))
        || contains(
            ty.to_token_stream(),
            &|tt| matches!(tt, TokenTree::Punct(p) if p.as_char() == '\''),
        );
    if borrowed {
        let fix = match ty {
            Type::Reference(r) => match &*r.elem {
                Type::Path(p) if p.path.is_ident("str") => "write `String` instead of `&str`",
                Type::Slice(_) => "write `Vec<T>` instead of `&[T]`",
                _ => {
                    "take the value (`T` instead of `&T`), or mark the parameter `#[state]` if \
                      it comes from the toolbox's state"
                }
            },
            _ => "use an owned type (`String`, `Vec<T>`) without lifetimes",
        };
        cx.error_spanned_by(
            ty,
            format!("a tool argument is decoded from the model's JSON and owns its data: {fix}"),
        );
    }
}

fn contains(tokens: TokenStream, pred: &dyn Fn(&TokenTree) -> bool) -> bool {
    find(tokens, pred).is_some()
}

/// The first token of `tokens`, groups searched too, for which `pred` holds.
fn find(tokens: TokenStream, pred: &dyn Fn(&TokenTree) -> bool) -> Option<TokenTree> {
    tokens.into_iter().find_map(|tt| match &tt {
        TokenTree::Group(g) => find(g.stream(), pred),
        other => pred(other).then_some(tt),
    })
}

fn documented_arguments(cx: &mut Ctxt, tool: &ToolFn) {
    for (line, span) in &tool.docs.malformed {
        let fix = match line.split_whitespace().nth(1) {
            Some(word) => format!("* `{word}` - what it is"),
            None => "* `name` - what it is".to_owned(),
        };
        cx.push(syn::Error::new(
            *span,
            format!(
                "this line of `# Arguments` names no argument; write each as `{fix}`, with the \
                 parameter's name (or the name the model uses) first"
            ),
        ));
    }
    for (i, doc) in tool.docs.arguments.iter().enumerate() {
        let param = tool.params.iter().find(|p| {
            p.ident
                .as_ref()
                .is_some_and(|i| crate::ast::UnrawString::unraw_string(i) == doc.name)
        });
        let hidden = param.and_then(|p| match p.kind {
            ParamKind::Argument => None,
            ParamKind::State(_) => Some("#[state]"),
            ParamKind::Context { .. } => Some("the call context"),
        });
        let message = if param.is_none() {
            format!(
                "the `# Arguments` section describes `{}`, which is not a parameter of this \
                 tool; fix the name or remove the line",
                doc.name
            )
        } else if let Some(what) = hidden {
            format!(
                "the `# Arguments` section describes `{}`, but this parameter is {what} and the \
                 model never sees it; remove the line",
                doc.name
            )
        } else if tool.docs.arguments[..i].iter().any(|d| d.name == doc.name) {
            format!(
                "`{}` is described twice in `# Arguments`; keep one line",
                doc.name
            )
        } else {
            continue;
        };
        cx.push(syn::Error::new(doc.span, message));
    }
}
