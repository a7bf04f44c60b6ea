//! Tools registered by `#[tool]` across the whole binary, through `inventory`.

use crate::ToolRef;

/// One `#[tool]` of the binary. Generated code submits these; users never name them.
#[doc(hidden)]
pub struct Registration {
    make: fn() -> ToolRef,
}

impl Registration {
    /// A registration that builds its tool with `make`.
    pub const fn new(make: fn() -> ToolRef) -> Self {
        Registration { make }
    }
}

inventory::collect!(Registration);

/// Every `#[tool]` linked into the binary, in no particular order.
pub(crate) fn registered() -> impl Iterator<Item = ToolRef> {
    inventory::iter::<Registration>
        .into_iter()
        .map(|r| (r.make)())
}
