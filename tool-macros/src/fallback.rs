//! What is emitted when the tool has mistakes: the function unchanged, the errors, and a stub
//! `tool()` so that code registering the tool does not add errors of its own.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::ToolFn;

/// The function, the errors, and a stub tool module.
pub fn emit(tool: &ToolFn, errors: TokenStream, krate: &TokenStream) -> TokenStream {
    let item = &tool.item;
    let vis = &item.vis;
    let ident = &item.sig.ident;
    quote! {
        #item
        #errors
        #[doc(hidden)]
        #vis mod #ident {
            #[doc(hidden)]
            pub fn tool() -> #krate::ToolRef {
                ::core::unreachable!("this tool did not compile")
            }
        }
    }
}
