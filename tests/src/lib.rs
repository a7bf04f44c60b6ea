//! Tools declared in a library crate, for the tests of registration across crates.
