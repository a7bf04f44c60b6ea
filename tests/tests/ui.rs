//! Compile-fail tests: each misuse of `#[tool]` and the error it gives (`ui/fail`), and code
//! that must compile under strict lints (`ui/pass`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}
