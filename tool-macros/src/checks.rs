//! What the expansion adds beside the tool for checks: the constraints cell of the arguments
//! struct, which the runtime fills from the schema once; and where the checks of the types
//! the function returns are reported.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, ReturnType, Type};

use crate::ast::ToolFn;

/// The items to put in the tool's const block, beside `__ToolArguments`.
pub fn emit(tool: &ToolFn, private: &TokenStream) -> TokenStream {
    let name = tool.name();
    quote! {
        #[automatically_derived]
        impl #private::ToolArguments for __ToolArguments {
            fn constraints() -> &'static #private::ConstraintsCell {
                static __TOOL_CONSTRAINTS: #private::ConstraintsCell =
                    #private::ConstraintsCell::new(#name);
                &__TOOL_CONSTRAINTS
            }
        }
    }
}

/// Where an error type that is not `Display` is reported: at `E` in `Result<T, E>`, else at
/// the return type (`anyhow::Result<T>` names no error type).
pub fn error_type_span(tool: &ToolFn) -> Span {
    let ReturnType::Type(_, ty) = &tool.item.sig.output else {
        return tool.item.sig.ident.span();
    };
    let error = match &**ty {
        Type::Path(path) => path.path.segments.last().and_then(|s| match &s.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().nth(1),
            _ => None,
        }),
        _ => None,
    };
    match error {
        Some(GenericArgument::Type(error)) => error.span(),
        _ => ty.span(),
    }
}
