//! What the expansion adds beside the tool for checks: the constraints cell of the arguments
//! struct, which the runtime fills from the schema once.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::ToolFn;

/// The items to put in the tool's const block, beside `__Arguments`.
pub fn emit(tool: &ToolFn, private: &TokenStream) -> TokenStream {
    let name = tool.name();
    quote! {
        #[automatically_derived]
        impl #private::ToolArguments for __Arguments {
            fn constraints() -> &'static #private::ConstraintsCell {
                static __TOOL_CONSTRAINTS: #private::ConstraintsCell =
                    #private::ConstraintsCell::new(#name);
                &__TOOL_CONSTRAINTS
            }
        }
    }
}
