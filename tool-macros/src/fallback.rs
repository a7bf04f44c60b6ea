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
    if tool.receiver.is_some() || tool.block.is_some() || tool.self_type().is_some() {
        // A method: the stub could not sit in its `impl` block, and nothing can register it.
        return quote!(#item #errors);
    }
    quote! {
        #item
        #errors
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #ident {}
        impl #ident {
            #[doc(hidden)]
            #[allow(dead_code)]
            #vis fn tool() -> #krate::ToolRef {
                ::core::unreachable!("this tool did not compile")
            }
        }
    }
}
