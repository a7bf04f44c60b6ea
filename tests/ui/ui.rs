//! Compile-fail tests: each misuse of `#[tool]` and the error it gives (`fail`), and code that
//! must compile under strict lints (`pass`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("fail/*.rs");
    cases.pass("pass/*.rs");
}
