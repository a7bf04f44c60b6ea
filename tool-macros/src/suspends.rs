//! Whether an `async fn`'s body can suspend. A body with no `.await`, and no macro that could
//! hide one, finishes on its first poll: the runtime then runs it in place, with no boxed
//! future. The check reads tokens, so it is conservative: anything it cannot vouch for
//! (an `await` anywhere, even in a nested block or a macro's input; a macro it does not know)
//! counts as suspending, which only costs the boxed future.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// Macros of std, `tracing`, `log`, `anyhow` and `serde_json` that expand to no `.await` of
/// their own (their input is checked like the rest of the body).
const PLAIN_MACROS: &[&str] = &[
    "anyhow",
    "assert",
    "assert_eq",
    "assert_ne",
    "bail",
    "cfg",
    "column",
    "concat",
    "dbg",
    "debug",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "ensure",
    "env",
    "eprint",
    "eprintln",
    "error",
    "file",
    "format",
    "format_args",
    "include_bytes",
    "include_str",
    "info",
    "json",
    "line",
    "matches",
    "module_path",
    "option_env",
    "panic",
    "print",
    "println",
    "stringify",
    "todo",
    "trace",
    "unimplemented",
    "unreachable",
    "vec",
    "warn",
    "write",
    "writeln",
];

/// Keywords that a `!` can follow without a macro call: `if !(a && b)`, `return !x`.
const KEYWORDS: &[&str] = &[
    "if", "while", "match", "return", "in", "else", "break", "mut",
];

/// Whether `block` may suspend: it holds `await`, or a macro not in [`PLAIN_MACROS`].
pub fn may_suspend(block: &syn::Block) -> bool {
    tokens_may_suspend(block.to_token_stream())
}

fn tokens_may_suspend(tokens: TokenStream) -> bool {
    let mut previous: Option<TokenTree> = None;
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match &token {
            TokenTree::Ident(ident) if ident == "await" => return true,
            TokenTree::Group(group) if tokens_may_suspend(group.stream()) => return true,
            TokenTree::Punct(bang) if bang.as_char() == '!' => {
                let invoked = matches!(tokens.peek(), Some(TokenTree::Group(_)));
                if let (true, Some(TokenTree::Ident(name))) = (invoked, &previous) {
                    let name = name.to_string();
                    let keyword = KEYWORDS.contains(&name.as_str());
                    if !keyword && !PLAIN_MACROS.contains(&name.as_str()) {
                        return true;
                    }
                }
            }
            _ => {}
        }
        previous = Some(token);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::may_suspend;

    fn suspends(body: &str) -> bool {
        may_suspend(&syn::parse_str(body).expect("a block"))
    }

    #[test]
    fn bodies_without_await_or_unknown_macros_finish_at_once() {
        assert!(!suspends("{ a + b }"));
        assert!(!suspends(
            r#"{ let s = format!("{a}"); if !(a > b) { return s; } s }"#
        ));
        assert!(!suspends(
            r#"{ tracing::info!(a, "adding"); assert!(a != b); vec![a] }"#
        ));
        assert!(!suspends("{ let f = |x: i64| !x; f(a) }"));
    }

    #[test]
    fn await_anywhere_or_an_unknown_macro_may_suspend() {
        assert!(suspends("{ sleep(d).await; 1 }"));
        assert!(suspends("{ let f = async { g().await }; 1 }"));
        assert!(suspends(r#"{ format!("{}", g().await) }"#));
        assert!(suspends("{ tokio::select! { _ = a => 1, _ = b => 2 } }"));
        assert!(suspends("{ tokio::join!(a, b); 1 }"));
        assert!(suspends("{ my_fetch!(url) }"));
    }
}
