//! The model of a `#[tool]` function: its options, documentation and parameters, each kept with
//! the syn nodes it came from so that errors and generated code point at the user's tokens.

use proc_macro2::{TokenStream, TokenTree};
use syn::{FnArg, Ident, ItemFn, PatType, Type};

use crate::attr::{self, ArgAttr, ToolAttr};
use crate::ctxt::Ctxt;
use crate::docs::{self, Docs};
use crate::site;

/// A function under `#[tool]`.
pub struct ToolFn {
    /// The function as written, with our parameter attributes removed: it is emitted as is.
    pub item: ItemFn,
    pub attr: ToolAttr,
    pub docs: Docs,
    pub params: Vec<Param>,
    /// A `self` parameter: rejected by validation.
    pub receiver: Option<syn::Receiver>,
    /// The `impl` or trait block the function sits in, when it can be told: rejected by
    /// validation.
    pub block: Option<site::Block>,
}

/// One parameter of the function.
pub struct Param {
    /// The binding, when the pattern is a plain identifier.
    pub ident: Option<Ident>,
    pub pat_type: PatType,
    pub kind: ParamKind,
    /// `#[arg(...)]` attributes, also recorded when misplaced so validation can point at them.
    pub arg: ArgAttr,
    pub arg_attr: Option<syn::Attribute>,
    /// `#[serde(...)]` and `#[schemars(...)]` attributes, moved onto the argument's field.
    pub field_attrs: Vec<syn::Attribute>,
}

/// Where a parameter's value comes from.
pub enum ParamKind {
    /// From the model's arguments.
    Argument,
    /// `#[state]`: from the toolbox's state.
    State(StateKind),
    /// The call's context (`CallContext` or `&CallContext`).
    Context { by_ref: bool },
}

/// How a `#[state]` parameter receives its value.
pub enum StateKind {
    /// `&T`.
    Ref(Box<Type>),
    /// `Arc<T>`.
    Arc(Box<Type>),
    /// Anything else: rejected by validation.
    Invalid,
}

/// Parses the function and the options of its attribute.
pub fn parse(cx: &mut Ctxt, args: TokenStream, mut item: ItemFn) -> ToolFn {
    let attr = attr::tool_attr(cx, args);
    let mut docs = docs::parse(&item.attrs);
    let mut params = Vec::new();
    let mut receiver = None;
    for input in &mut item.sig.inputs {
        match input {
            FnArg::Receiver(r) => receiver = Some(r.clone()),
            FnArg::Typed(pat_type) => params.push(param(cx, pat_type)),
        }
    }
    rust_names(&mut docs, &params);
    // A method is refused for its `self` already.
    let block = match receiver {
        Some(_) => None,
        None => site::enclosing_block(&item),
    };
    ToolFn {
        item,
        attr,
        docs,
        params,
        receiver,
        block,
    }
}

/// Reads one typed parameter and removes our attributes from it.
fn param(cx: &mut Ctxt, pat_type: &mut PatType) -> Param {
    let mut is_state = false;
    let mut arg = ArgAttr::default();
    let mut arg_attr = None;
    let mut field_attrs = Vec::new();
    pat_type.attrs.retain(|a| {
        if a.path().is_ident("serde") || a.path().is_ident("schemars") {
            field_attrs.push(a.clone());
            return false;
        }
        if a.path().is_ident("state") {
            if let Err(err) = a.meta.require_path_only() {
                cx.push(syn::Error::new(
                    err.span(),
                    "write `#[state]` without options",
                ));
            }
            is_state = true;
            false
        } else if a.path().is_ident("arg") {
            match a.meta.require_list() {
                Ok(list) => attr::arg_attr(cx, list.tokens.clone(), &mut arg),
                Err(_) => {
                    cx.error_spanned_by(a, "expected options: `#[arg(description = \"...\")]`")
                }
            }
            arg_attr = Some(a.clone());
            false
        } else {
            true
        }
    });
    let ident = match &*pat_type.pat {
        syn::Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => Some(p.ident.clone()),
        _ => None,
    };
    let kind = if is_state {
        ParamKind::State(state_kind(&pat_type.ty))
    } else if let Some(by_ref) = context_kind(&pat_type.ty) {
        ParamKind::Context { by_ref }
    } else {
        ParamKind::Argument
    };
    Param {
        ident,
        pat_type: pat_type.clone(),
        kind,
        arg,
        arg_attr,
        field_attrs,
    }
}

/// Entries of `# Arguments` are keyed by the parameter's Rust name; one that names a renamed
/// argument by the name the model uses is taken as documenting it.
fn rust_names(docs: &mut Docs, params: &[Param]) {
    let rust_name = |p: &Param| p.ident.as_ref().map(UnrawString::unraw_string);
    for doc in &mut docs.arguments {
        if params
            .iter()
            .any(|p| rust_name(p).as_ref() == Some(&doc.name))
        {
            continue;
        }
        let renamed = params
            .iter()
            .find(|p| p.wire_name().as_ref() == Some(&doc.name));
        if let Some(name) = renamed.and_then(rust_name) {
            doc.name = name;
        }
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

fn state_kind(ty: &Type) -> StateKind {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => StateKind::Ref(r.elem.clone()),
        _ => match last_segment(ty) {
            Some(seg) if seg.ident == "Arc" => match &seg.arguments {
                syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => {
                    match &args.args[0] {
                        syn::GenericArgument::Type(inner) => {
                            StateKind::Arc(Box::new(inner.clone()))
                        }
                        _ => StateKind::Invalid,
                    }
                }
                _ => StateKind::Invalid,
            },
            _ => StateKind::Invalid,
        },
    }
}

/// `Some(by_ref)` when `ty` is `CallContext` or `&CallContext`.
fn context_kind(ty: &Type) -> Option<bool> {
    let (ty, by_ref) = match ty {
        Type::Reference(r) if r.mutability.is_none() => (&*r.elem, true),
        _ => (ty, false),
    };
    let seg = last_segment(ty)?;
    (seg.ident == "CallContext" && seg.arguments.is_none()).then_some(by_ref)
}

impl Param {
    /// The key of the argument in the model's JSON: `#[arg(rename)]`, else
    /// `#[serde(rename = "...")]`, else the parameter's name.
    pub fn wire_name(&self) -> Option<String> {
        if let Some(rename) = &self.arg.rename {
            return Some(rename.value.clone());
        }
        let serde_rename = self
            .field_attrs
            .iter()
            .filter(|a| a.path().is_ident("serde"))
            .find_map(|a| serde_rename(a.meta.require_list().ok()?.tokens.clone()));
        serde_rename.or_else(|| self.ident.as_ref().map(UnrawString::unraw_string))
    }
}

/// The `rename = "..."` of a `#[serde(...)]` attribute's tokens.
fn serde_rename(tokens: TokenStream) -> Option<String> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    tokens.windows(3).find_map(|w| match w {
        [
            TokenTree::Ident(key),
            TokenTree::Punct(eq),
            TokenTree::Literal(lit),
        ] if key == "rename" && eq.as_char() == '=' => match syn::Lit::new(lit.clone()) {
            syn::Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

impl ToolFn {
    /// The tool's name: the `name` option, else the function's name.
    pub fn name(&self) -> String {
        match &self.attr.name {
            Some(name) => name.value.clone(),
            None => self.item.sig.ident.unraw_string(),
        }
    }

    /// The first `Self` in the signature or the body (outside items declared there): the
    /// function is an associated function of an `impl` block, which a tool cannot be.
    pub fn self_type(&self) -> Option<proc_macro2::Ident> {
        fn find(tokens: TokenStream) -> Option<proc_macro2::Ident> {
            tokens.into_iter().find_map(|tree| match tree {
                TokenTree::Ident(ident) if ident == "Self" => Some(ident),
                TokenTree::Group(group) => find(group.stream()),
                _ => None,
            })
        }
        // Items declared in the body have a `Self` of their own.
        let sig = &self.item.sig;
        let body = self.item.block.stmts.iter();
        let body = body.filter(|stmt| !matches!(stmt, syn::Stmt::Item(_)));
        find(quote::quote!(#sig #(#body)*))
    }

    /// The parameters the model fills in.
    pub fn arguments(&self) -> impl Iterator<Item = &Param> {
        self.params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Argument))
    }
}

/// `r#type` as `type`.
pub trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for Ident {
    fn unraw_string(&self) -> String {
        let s = self.to_string();
        s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
    }
}
