//! Parses the options of `#[tool(...)]` and `#[arg(...)]`.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Expr, ExprLit, Lit, LitBool, LitStr, Meta, Token};

use crate::ctxt::Ctxt;
use crate::duration;

const TOOL_OPTIONS: &str = "name, description, timeout, read_only, destructive, idempotent, \
                            open_world, sequential, max_concurrency, retries, crate";
const ARG_OPTIONS: &str = "description, default, rename";

/// A value written in an attribute, with the span of the tokens that wrote it.
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// The options of `#[tool(...)]`.
#[derive(Default)]
pub struct ToolAttr {
    pub name: Option<Spanned<String>>,
    pub description: Option<String>,
    pub timeout_millis: Option<u64>,
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
    pub sequential: Option<bool>,
    pub max_concurrency: Option<u32>,
    /// As written: `valid` checks the bound.
    pub retries: Option<Spanned<u64>>,
    pub krate: Option<syn::Path>,
}

/// The options of `#[arg(...)]` on one parameter.
#[derive(Default)]
pub struct ArgAttr {
    pub description: Option<String>,
    pub default: Option<ArgDefault>,
    pub rename: Option<Spanned<String>>,
}

/// How a missing argument is filled in.
pub enum ArgDefault {
    /// `#[arg(default)]`: `Default::default()`.
    Trait,
    /// `#[arg(default = expr)]`.
    Expr(Box<Expr>),
}

/// The options of `#[attr(...)]` in `tokens`. A string without a key is an error saying
/// which key to write: `unnamed(string)` names it.
fn metas(
    cx: &mut Ctxt,
    tokens: TokenStream,
    attr: &str,
    unnamed: fn(&LitStr) -> &'static str,
) -> Vec<Meta> {
    let mut strings = Vec::new();
    let parser = |input: ParseStream| {
        let mut metas = Vec::new();
        while !input.is_empty() {
            if input.peek(LitStr) {
                strings.push(input.parse::<LitStr>()?);
            } else {
                metas.push(input.parse::<Meta>()?);
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(metas)
    };
    let metas = parser.parse2(tokens).unwrap_or_else(|err| {
        cx.push(err);
        Vec::new()
    });
    for s in strings {
        let fix = format!("#[{attr}({} = {})]", unnamed(&s), s.token());
        cx.error_spanned_by(
            &s,
            format!("the options of `#[{attr}]` are named: write `{fix}`"),
        );
    }
    metas
}

fn key(meta: &Meta) -> String {
    meta.path()
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| quote::quote!(#meta).to_string())
}

fn set<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &Meta, what: &str) {
    if slot.is_some() {
        cx.error_spanned_by(
            meta.path(),
            format!("duplicate {what} option `{}`", key(meta)),
        );
    } else {
        *slot = Some(value);
    }
}

fn lit_str(cx: &mut Ctxt, meta: &Meta, example: &str) -> Option<LitStr> {
    if let Meta::NameValue(nv) = meta {
        if let Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) = &nv.value
        {
            return Some(s.clone());
        }
        cx.error_spanned_by(&nv.value, format!("expected a string literal: `{example}`"));
    } else {
        cx.error_spanned_by(meta, format!("expected a value: `{example}`"));
    }
    None
}

fn flag(cx: &mut Ctxt, meta: &Meta) -> Option<bool> {
    match meta {
        Meta::Path(_) => Some(true),
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(LitBool { value, .. }),
                ..
            }) => Some(*value),
            other => {
                let k = key(meta);
                cx.error_spanned_by(
                    other,
                    format!("expected `{k}`, `{k} = true` or `{k} = false`"),
                );
                None
            }
        },
        Meta::List(list) => {
            let k = key(meta);
            cx.error_spanned_by(list, format!("expected `{k}` or `{k} = false`"));
            None
        }
    }
}

fn positive_int(cx: &mut Ctxt, meta: &Meta) -> Option<u32> {
    const EXAMPLE: &str = "write a whole number of calls, at least 1: `max_concurrency = 4`";
    let Meta::NameValue(nv) = meta else {
        cx.error_spanned_by(meta, EXAMPLE);
        return None;
    };
    match &nv.value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u32>() {
            Ok(0) | Err(_) => {
                cx.error_spanned_by(int, EXAMPLE);
                None
            }
            Ok(n) => Some(n),
        },
        other => {
            cx.error_spanned_by(other, EXAMPLE);
            None
        }
    }
}

/// A whole number written as `key = 3`.
fn whole_number(cx: &mut Ctxt, meta: &Meta, example: &str) -> Option<Spanned<u64>> {
    let message = format!("expected a whole number: `{example}`");
    let Meta::NameValue(nv) = meta else {
        cx.error_spanned_by(meta, message);
        return None;
    };
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = &nv.value
        && let Ok(value) = int.base10_parse::<u64>()
    {
        return Some(Spanned {
            value,
            span: int.span(),
        });
    }
    cx.error_spanned_by(&nv.value, message);
    None
}

/// Parses the tokens inside `#[tool(...)]`.
pub fn tool_attr(cx: &mut Ctxt, tokens: TokenStream) -> ToolAttr {
    let mut attr = ToolAttr::default();
    // A string that could be a tool's name is taken for one, any other for a description.
    let unnamed = |s: &LitStr| {
        if crate::valid::is_tool_name(&s.value()) {
            "name"
        } else {
            "description"
        }
    };
    for meta in metas(cx, tokens, "tool", unnamed) {
        match key(&meta).as_str() {
            "name" => {
                if let Some(s) = lit_str(cx, &meta, "name = \"get_weather\"") {
                    let value = Spanned {
                        value: s.value(),
                        span: s.span(),
                    };
                    set(cx, &mut attr.name, value, &meta, "tool");
                }
            }
            "description" => {
                if let Some(s) = lit_str(cx, &meta, "description = \"What the tool does\"") {
                    set(cx, &mut attr.description, s.value(), &meta, "tool");
                }
            }
            "timeout" => {
                if let Some(s) = lit_str(cx, &meta, "timeout = \"10s\"") {
                    match duration::parse_millis(&s.value()) {
                        Ok(millis) => set(cx, &mut attr.timeout_millis, millis, &meta, "tool"),
                        Err(message) => cx.error_spanned_by(&s, message),
                    }
                }
            }
            "read_only" | "destructive" | "idempotent" | "open_world" | "sequential" => {
                if let Some(value) = flag(cx, &meta) {
                    let slot = match key(&meta).as_str() {
                        "read_only" => &mut attr.read_only,
                        "destructive" => &mut attr.destructive,
                        "idempotent" => &mut attr.idempotent,
                        "sequential" => &mut attr.sequential,
                        _ => &mut attr.open_world,
                    };
                    set(cx, slot, value, &meta, "tool");
                }
            }
            "max_concurrency" => {
                if let Some(limit) = positive_int(cx, &meta) {
                    set(cx, &mut attr.max_concurrency, limit, &meta, "tool");
                }
            }
            "retries" => {
                if let Some(retries) = whole_number(cx, &meta, "retries = 3") {
                    set(cx, &mut attr.retries, retries, &meta, "tool");
                }
            }
            "crate" => match &meta {
                Meta::NameValue(nv) => {
                    let path = match &nv.value {
                        Expr::Path(p) => Some(p.path.clone()),
                        Expr::Lit(ExprLit {
                            lit: Lit::Str(s), ..
                        }) => s.parse::<syn::Path>().map_err(|e| cx.push(e)).ok(),
                        other => {
                            cx.error_spanned_by(
                                other,
                                "expected a path: `crate = my_crate::tool_runtime`",
                            );
                            None
                        }
                    };
                    if let Some(path) = path {
                        set(cx, &mut attr.krate, path, &meta, "tool");
                    }
                }
                _ => {
                    cx.error_spanned_by(&meta, "expected a path: `crate = my_crate::tool_runtime`")
                }
            },
            other => cx.error_spanned_by(
                meta.path(),
                format!("unknown #[tool] option `{other}`; the options are: {TOOL_OPTIONS}"),
            ),
        }
    }
    attr
}

/// Parses the tokens inside one `#[arg(...)]`, adding to `attr`.
pub fn arg_attr(cx: &mut Ctxt, tokens: TokenStream, attr: &mut ArgAttr) {
    for meta in metas(cx, tokens, "arg", |_| "description") {
        match key(&meta).as_str() {
            "description" => {
                if let Some(s) = lit_str(cx, &meta, "description = \"What this argument is\"") {
                    set(cx, &mut attr.description, s.value(), &meta, "argument");
                }
            }
            "rename" => {
                if let Some(s) = lit_str(cx, &meta, "rename = \"name_for_the_model\"") {
                    let value = Spanned {
                        value: s.value(),
                        span: s.span(),
                    };
                    set(cx, &mut attr.rename, value, &meta, "argument");
                }
            }
            "default" => {
                let value = match &meta {
                    Meta::Path(_) => Some(ArgDefault::Trait),
                    Meta::NameValue(nv) => Some(ArgDefault::Expr(Box::new(nv.value.clone()))),
                    Meta::List(list) => {
                        cx.error_spanned_by(list, "expected `default` or `default = expression`");
                        None
                    }
                };
                if let Some(value) = value {
                    set(cx, &mut attr.default, value, &meta, "argument");
                }
            }
            other => cx.error_spanned_by(
                meta.path(),
                format!("unknown #[arg] option `{other}`; the options are: {ARG_OPTIONS}"),
            ),
        }
    }
}
