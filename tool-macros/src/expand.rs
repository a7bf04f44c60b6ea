//! Writes the tool: the function as it was, and beside it a struct of the same name (the tool,
//! with `tool()`) and an anonymous const block holding the arguments struct, the `Tool`
//! implementation and the automatic registration.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

use crate::ast::{self, ParamKind, StateKind, ToolFn};
use crate::attr::ArgDefault;
use crate::ctxt::Ctxt;
use crate::{checks, fallback, valid};

/// Parses, checks and expands one `#[tool]`.
pub fn tool(args: TokenStream, item: syn::ItemFn) -> TokenStream {
    let mut cx = Ctxt::default();
    let tool = ast::parse(&mut cx, args, item);
    valid::check(&mut cx, &tool);
    let krate = match &tool.attr.krate {
        Some(path) => quote!(#path),
        None => quote!(::tool_runtime),
    };
    match cx.finish() {
        Some(errors) => fallback::emit(&tool, errors, &krate),
        None => expand(&tool, &krate),
    }
}

fn expand(tool: &ToolFn, krate: &TokenStream) -> TokenStream {
    let item = &tool.item;
    let vis = &item.vis;
    let ident = &item.sig.ident;
    let name = tool.name();
    let private = quote!(#krate::__private);
    let serde_crate = format!("{krate}::__private::serde").replace(' ', "");
    let schemars_crate = format!("{krate}::__private::schemars").replace(' ', "");

    let (fields, defaults, decodings) = argument_fields(tool, &private);
    // Parameters with serde attributes of their own get serde's derive, which reads them.
    let own_serde = tool.arguments().any(|p| !p.field_attrs.is_empty());
    let (derive_serde, deserialize) = if own_serde {
        (quote!(#private::serde::Deserialize,), TokenStream::new())
    } else {
        (TokenStream::new(), deserialize_impl(&decodings, &private))
    };
    let spec = spec(tool, krate, &private);
    let requirements = tool.params.iter().filter_map(|p| match &p.kind {
        ParamKind::State(StateKind::Ref(ty) | StateKind::Arc(ty)) => {
            Some(quote!(#krate::StateRequirement::of::<#ty>()))
        }
        _ => None,
    });
    let body = call_body(tool, &private);
    let checks = checks::emit(tool, &private);
    let doc = format!(
        "The declaration of the tool `{name}`: `{}::tool()` gives it to a toolbox.",
        ident
    );

    // The tool is a braced struct named after the function: it lives in the type namespace
    // only, beside the function, so that `name::tool()` reads like a path. Everything else sits
    // in an anonymous const block, which sees the function's module without a glob import.
    quote! {
        #item

        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #vis struct #ident {}

        const _: () = {
            #[derive(#derive_serde #private::schemars::JsonSchema)]
            #[serde(crate = #serde_crate, deny_unknown_fields, expecting = "a JSON object of the tool's arguments")]
            #[schemars(crate = #schemars_crate)]
            #[allow(non_camel_case_types, non_snake_case, dead_code)]
            struct __ToolArguments {
                #(#fields,)*
            }

            #deserialize

            #(#defaults)*

            #checks

            impl #krate::Tool for #ident {
                fn spec(&self) -> #krate::ToolSpec {
                    #spec
                }

                fn state_requirements(&self) -> ::std::vec::Vec<#krate::StateRequirement> {
                    ::std::vec![#(#requirements),*]
                }

                fn call<'__tool>(
                    &'__tool self,
                    __tool_arguments: #krate::ArgumentsRef<'__tool>,
                    __tool_context: #krate::CallContext,
                    __tool_state: &'__tool #krate::State,
                ) -> #private::BoxFuture<'__tool, ::core::result::Result<#krate::ToolValue, #krate::Failure>> {
                    ::std::boxed::Box::pin(async move { #body })
                }
            }

            impl #ident {
                /// The tool, ready for `ToolboxBuilder::tool`.
                #[allow(dead_code)]
                #vis fn tool() -> #krate::ToolRef {
                    ::std::sync::Arc::new(#ident {})
                }
            }

            #private::inventory::submit! {
                #private::Registration::new(#ident::tool)
            }
        };
    }
}

/// How one field of the arguments struct is decoded, for the `Deserialize` impl we write.
struct Decoding {
    ident: syn::Ident,
    /// The key in the model's JSON object.
    key: String,
    /// `Decoded<T>`, located at the parameter's type.
    ty: TokenStream,
    /// Where the parameter's type is.
    at_type: Span,
    /// The call of the argument's default function, if it has `#[arg(default)]`; without one,
    /// an absent key is `None` for an `Option` and "missing field" otherwise.
    default: Option<TokenStream>,
}

/// The fields of the arguments struct, the functions behind `#[arg(default)]` and
/// `#[arg(default = expr)]`, and how each field is decoded.
fn argument_fields(
    tool: &ToolFn,
    private: &TokenStream,
) -> (Vec<TokenStream>, Vec<TokenStream>, Vec<Decoding>) {
    let mut fields = Vec::new();
    let mut defaults = Vec::new();
    let mut decodings = Vec::new();
    for param in tool.arguments() {
        let Some(ident) = &param.ident else { continue };
        let ty = &param.pat_type.ty;
        let unraw = ast::UnrawString::unraw_string(ident);
        let description = param.arg.description.clone().or_else(|| {
            tool.docs
                .arguments
                .iter()
                .find(|d| d.name == unraw)
                .map(|d| d.text.clone())
        });
        // Not as a doc comment: schemars would split it into a title and a description.
        let doc = description.map(|d| quote!(#[schemars(description = #d)]));
        // Either kind of default is a function, which serde, schemars and our `Deserialize`
        // all call: a type without `Default` is then reported once, at the parameter.
        let mut default_value = None;
        let default = param.arg.default.as_ref().map(|default| {
            let func = format_ident!("__tool_default_{}", unraw);
            let func_name = func.to_string();
            let value = match default {
                ArgDefault::Trait => respan(
                    quote!(#private::default_argument::<#ty>()),
                    Span::call_site().located_at(ty.span()),
                ),
                ArgDefault::Expr(expr) => quote!(#private::Decoded(#expr)),
            };
            defaults.push(quote! {
                #[allow(non_snake_case)]
                fn #func() -> #private::Decoded<#ty> {
                    #value
                }
            });
            default_value = Some(quote!(#func()));
            quote!(#[serde(default = #func_name)])
        });
        let rename = param.arg.rename.as_ref().map(|r| {
            let value = &r.value;
            quote!(#[serde(rename = #value)])
        });
        // A string, as schemars wants it, located at the parameter's type so that a type
        // without a schema is reported there.
        let checked = syn::LitStr::new(&quote!(#private::Checked<#ty>).to_string(), ty.span());
        let field_attrs = &param.field_attrs;
        // The field is `Decoded<T>`, located at the parameter's type (and resolved like the
        // rest of the expansion), so that a type serde cannot decode is reported there.
        let at_type = Span::call_site().located_at(ty.span());
        let field_ty = respan(quote!(#private::Decoded<#ty>), at_type);
        let mut field_ident = ident.clone();
        field_ident.set_span(at_type);
        // The whole field is located at the type: serde reports a missing field's type at
        // the field's first token.
        fields.push(respan(
            quote! {
                #[schemars(with = #checked)]
                #(#field_attrs)*
                #doc
                #default
                #rename
                #field_ident: #field_ty
            },
            at_type,
        ));
        decodings.push(Decoding {
            ident: field_ident,
            key: param.arg.rename.as_ref().map_or(unraw, |r| r.value.clone()),
            ty: field_ty,
            at_type,
            default: default_value,
        });
    }
    (fields, defaults, decodings)
}

/// `Deserialize` for the arguments struct, written here rather than derived: it reads a map
/// only (the runtime refuses anything but an object first), and spares rustc serde_derive's
/// expansion, the larger part of a tool's compile time.
fn deserialize_impl(decodings: &[Decoding], private: &TokenStream) -> TokenStream {
    let serde = quote!(#private::serde);
    let keys: Vec<&String> = decodings.iter().map(|d| &d.key).collect();
    // One slot per field, named apart from the locals below whatever the parameters' names.
    let slot =
        |d: &Decoding| format_ident!("__tool_field_{}", ast::UnrawString::unraw_string(&d.ident));
    let slots = decodings.iter().map(|d| {
        let (slot, ty) = (slot(d), &d.ty);
        quote!(let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None;)
    });
    let reads = decodings.iter().enumerate().map(|(index, d)| {
        let (slot, key, ty) = (slot(d), &d.key, &d.ty);
        // Located at the type, like the field: a type serde cannot decode is reported there.
        let read = respan(
            quote!(#serde::de::MapAccess::next_value::<#ty>(&mut __tool_map)?),
            d.at_type,
        );
        quote! {
            #index => {
                if #slot.is_some() {
                    return ::core::result::Result::Err(
                        <__ToolM::Error as #serde::de::Error>::duplicate_field(#key),
                    );
                }
                #slot = ::core::option::Option::Some(#read);
            }
        }
    });
    let finish = decodings.iter().map(|d| {
        let (ident, slot, key) = (&d.ident, slot(d), &d.key);
        let absent = match &d.default {
            Some(default) => quote!(#default),
            // At the type, like the read above.
            None => respan(quote!(#private::missing_field(#key)?), d.at_type),
        };
        quote!(#ident: match #slot {
            ::core::option::Option::Some(__tool_value) => __tool_value,
            ::core::option::Option::None => #absent,
        })
    });
    quote! {
        impl<'de> #serde::Deserialize<'de> for __ToolArguments {
            fn deserialize<__ToolD: #serde::Deserializer<'de>>(
                __tool_deserializer: __ToolD,
            ) -> ::core::result::Result<Self, __ToolD::Error> {
                const __TOOL_FIELDS: &[&str] = &[#(#keys),*];
                struct __ToolVisitor;
                impl<'de> #serde::de::Visitor<'de> for __ToolVisitor {
                    type Value = __ToolArguments;
                    fn expecting(&self, __tool_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        __tool_f.write_str("a JSON object of the tool's arguments")
                    }
                    fn visit_map<__ToolM: #serde::de::MapAccess<'de>>(
                        self,
                        mut __tool_map: __ToolM,
                    ) -> ::core::result::Result<__ToolArguments, __ToolM::Error> {
                        #(#slots)*
                        let __tool_seed = || #private::FieldSeed(__TOOL_FIELDS);
                        while let ::core::option::Option::Some(__tool_index) =
                            #serde::de::MapAccess::next_key_seed(&mut __tool_map, __tool_seed())?
                        {
                            match __tool_index {
                                #(#reads)*
                                _ => ::core::unreachable!("FieldSeed gives the index of a field"),
                            }
                        }
                        ::core::result::Result::Ok(__ToolArguments { #(#finish),* })
                    }
                }
                #serde::Deserializer::deserialize_struct(__tool_deserializer, "__ToolArguments", __TOOL_FIELDS, __ToolVisitor)
            }
        }
    }
}

fn spec(tool: &ToolFn, krate: &TokenStream, private: &TokenStream) -> TokenStream {
    let name = tool.name();
    let ident = &tool.item.sig.ident;
    let description = tool
        .attr
        .description
        .clone()
        .unwrap_or_else(|| tool.docs.description.clone());
    let timeout = tool
        .attr
        .timeout_millis
        .map(|ms| quote!(.with_timeout(::core::time::Duration::from_millis(#ms))));
    let hints = [
        ("read_only", tool.attr.read_only),
        ("destructive", tool.attr.destructive),
        ("idempotent", tool.attr.idempotent),
        ("open_world", tool.attr.open_world),
    ]
    .into_iter()
    .filter_map(|(field, value)| {
        let field = format_ident!("{}", field);
        value.map(|v| quote!(annotations.#field = ::core::option::Option::Some(#v);))
    });
    let sequential = tool
        .attr
        .sequential
        .filter(|s| *s)
        .map(|_| quote!(.with_sequential(true)));
    let max_concurrency = tool.attr.max_concurrency.map(|n| {
        let n = n as usize;
        quote!(.with_max_concurrency(#n))
    });
    let retries = tool.attr.retries.as_ref().map(|retries| {
        let n = retries.value as u32;
        quote!(.with_retries(#n))
    });
    let probe = output_probe(tool, private);
    quote! {
        let mut annotations = #krate::Annotations::default();
        #(#hints)*
        #krate::ToolSpec::new(#name, #description, #private::input_schema::<__ToolArguments>())
            .with_output_schema({
                #[allow(unused_imports)]
                use #private::{ViaJson as _, ViaJsonSchema as _, ViaText as _};
                (&&&#probe).output_schema()
            })
            .with_annotations(annotations)
            .with_function(::core::concat!(::core::module_path!(), "::", ::core::stringify!(#ident)))
            #timeout
            #sequential
            #max_concurrency
            #retries
    }
}

/// The declared return type, with the span of the signature's output.
fn return_type(tool: &ToolFn) -> (TokenStream, Span) {
    match &tool.item.sig.output {
        ReturnType::Default => (quote!(()), tool.item.sig.ident.span()),
        ReturnType::Type(_, ty) => (quote!(#ty), ty.span()),
    }
}

/// Whether the return type is written as a `Result` (`Result<T, E>`, `anyhow::Result<T>`, ...).
fn returns_result(tool: &ToolFn) -> bool {
    match &tool.item.sig.output {
        ReturnType::Type(_, ty) => match &**ty {
            Type::Path(p) => p.path.segments.last().is_some_and(|s| {
                s.ident == "Result" && matches!(s.arguments, syn::PathArguments::AngleBracketed(_))
            }),
            _ => false,
        },
        ReturnType::Default => false,
    }
}

/// `tokens` with every span located at `at` (resolution unchanged where it already was the
/// call site), so that errors about generated code point at the user's token.
fn respan(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), at));
                inner.set_span(at);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(tree.span().located_at(at));
            }
            tree
        })
        .collect()
}

/// A value whose type is the tool's success type, for the autoref dispatch in the runtime.
fn output_probe(tool: &ToolFn, private: &TokenStream) -> TokenStream {
    let (ty, span) = return_type(tool);
    let probe = quote_spanned!(span=> #private::Probe::<#ty>::new());
    if returns_result(tool) {
        quote!(#private::result_probe(#probe))
    } else {
        probe
    }
}

/// The body of `Tool::call`'s future: decode the arguments, fetch the state, run the
/// function, and turn what it returned into the tool's value (for a plain `fn`, both on the
/// blocking pool). Every local is prefixed `__tool_`, so that no parameter or function name of the
/// user's is shadowed.
fn call_body(tool: &ToolFn, private: &TokenStream) -> TokenStream {
    let ident = &tool.item.sig.ident;
    let is_async = tool.item.sig.asyncness.is_some();
    let mut prepare = Vec::new();
    let mut call_args = Vec::new();
    // A plain `fn` gets its own copy of the context, moved to its thread.
    let context = if is_async {
        quote!(__tool_context)
    } else {
        let takes_context = tool
            .params
            .iter()
            .any(|p| matches!(p.kind, ParamKind::Context { .. }));
        if takes_context {
            prepare.push(quote! {
                let __tool_fn_context = ::core::clone::Clone::clone(&__tool_context);
            });
        }
        quote!(__tool_fn_context)
    };
    for (i, param) in tool.params.iter().enumerate() {
        match &param.kind {
            ParamKind::Argument => {
                let field = param.ident.as_ref().expect("validated");
                call_args.push(quote!(__tool_arguments.#field.0));
            }
            ParamKind::State(kind) => {
                let var = format_ident!("__tool_state{}", i);
                let (ty, is_ref) = match kind {
                    StateKind::Ref(ty) => (ty, true),
                    StateKind::Arc(ty) => (ty, false),
                    StateKind::Invalid => unreachable!("validated"),
                };
                if is_ref && is_async {
                    prepare.push(quote!(let #var = #private::state_ref::<#ty>(__tool_state)?;));
                    call_args.push(quote!(#var));
                } else {
                    prepare.push(quote!(let #var = #private::state_arc::<#ty>(__tool_state)?;));
                    call_args.push(if is_ref { quote!(&*#var) } else { quote!(#var) });
                }
            }
            ParamKind::Context { by_ref } => {
                call_args.push(if *by_ref {
                    quote!(&#context)
                } else {
                    quote!(::core::clone::Clone::clone(&#context))
                });
            }
        }
    }
    let probe = output_probe(tool, private);
    let convert = if returns_result(tool) {
        let at_error = Span::call_site().located_at(checks::error_type_span(tool));
        let failure = respan(
            quote!((&&&#private::error_probe(&__tool_returned)).failure()),
            at_error,
        );
        let finish = respan(
            quote!(#private::finish_result(__tool_returned, __tool_convert, __tool_failure)),
            at_error,
        );
        quote! {
            let __tool_failure = {
                #[allow(unused_imports)]
                use #private::{ViaDisplay as _, ViaDynError as _, ViaSource as _};
                #failure
            };
            #finish
        }
    } else {
        quote!(__tool_convert(__tool_returned))
    };
    let at_return = Span::call_site().located_at(return_type(tool).1);
    let converter = respan(quote!((&&&#probe).converter()), at_return);
    let run = if is_async {
        // Located at the tool's name, so the error for a future that is not Send lands there,
        // but resolved like the rest of the expansion.
        let at_name = Span::call_site().located_at(ident.span());
        let send_check = quote_spanned!(at_name=> #private::require_send(#ident(#(#call_args),*)));
        quote! {
            let __tool_returned = #send_check.await;
            #convert
        }
    } else {
        // What the function returned becomes the tool's value on its thread: only that crosses
        // back, so its own types (a `Box<dyn Error>`, say) need not be `Send`.
        quote! {
            #private::run_blocking(&__tool_context, move || {
                let __tool_returned = #ident(#(#call_args),*);
                #convert
            })
            .await?
        }
    };
    quote! {
        let __tool_arguments: __ToolArguments = #private::decode_arguments(__tool_arguments)?;
        #(#prepare)*
        let __tool_convert = {
            #[allow(unused_imports)]
            use #private::{ViaJson as _, ViaJsonSchema as _, ViaText as _};
            #converter
        };
        #run
    }
}
