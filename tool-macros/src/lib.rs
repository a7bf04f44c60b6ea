//! The `#[tool]` attribute of [`tool-runtime`](https://docs.rs/tool-runtime).
//!
//! Depend on `tool-runtime`, which re-exports this macro and documents it; this crate is an
//! implementation detail whose version is pinned by `tool-runtime`.
//!
//! The macro works in three steps, one module each: `ast` and `attr` parse the function and
//! its options (`site` tells whether it sits in an `impl` or trait block), `valid` checks them
//! and collects every mistake with its span, and `expand` writes the tool. When there are mistakes, `fallback` still emits the function and a stub
//! tool, so the user sees one error per mistake rather than a cascade.

mod ast;
mod attr;
mod checks;
mod ctxt;
mod docs;
mod duration;
mod expand;
mod fallback;
mod site;
mod valid;

use proc_macro::TokenStream;

/// Declares an LLM tool. Documented in `tool_runtime`, which re-exports it.
#[proc_macro_attribute]
pub fn tool(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse::<syn::ItemFn>(input.clone()) {
        Ok(item) => item,
        Err(err) => {
            let mut out = proc_macro2::TokenStream::from(input);
            out.extend(
                syn::Error::new(
                    err.span(),
                    "#[tool] goes on a function: `async fn name(arg: Type, ...) -> Output`",
                )
                .to_compile_error(),
            );
            return out.into();
        }
    };
    expand::tool(args.into(), item).into()
}
