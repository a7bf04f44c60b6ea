//! Where the function is declared: at module level, or inside an `impl` or trait block.
//!
//! An attribute macro is not told whether its item is a free function or an associated one,
//! and the items a tool expands to (a struct, impls, a registration) cannot sit in an `impl`:
//! rustc would report each of them, about code the user never wrote. So, for a function that
//! is indented (module-level functions are not), `#[tool]` reads the source file its tokens
//! come from, has the compiler's lexer split it into token trees, and finds the blocks that
//! declare `fn name`. Only when every such declaration sits directly in an `impl` (or every one
//! in a trait) is the tool said to be there; when the file cannot be read, the name is declared
//! in several kinds of places, or the function was written by another macro, nothing is said
//! and the expansion goes on as for a free function.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// A block whose functions are associated functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    Impl,
    Trait,
}

/// The block `item` is declared in, when it is an `impl` or a trait.
pub fn enclosing_block(item: &syn::ItemFn) -> Option<Block> {
    if !proc_macro::is_available() {
        return None;
    }
    let fn_token = item.sig.fn_token.span.unwrap();
    let name = item.sig.ident.span().unwrap();
    // `fn name` written together in one file, not put together by another macro.
    let file = fn_token.local_file()?;
    if name.local_file().as_ref() != Some(&file) || name.line() != fn_token.line() {
        return None;
    }
    let source = std::fs::read_to_string(&file).ok()?;
    let line = source.lines().nth(fn_token.line().checked_sub(1)?)?;
    if !line.starts_with(char::is_whitespace) {
        return None;
    }
    let tokens: TokenStream = source.parse().ok()?;
    let mut found = Vec::new();
    declarations(tokens, None, &item.sig.ident.to_string(), &mut found);
    let (first, rest) = found.split_first()?;
    rest.iter().all(|b| b == first).then_some(*first).flatten()
}

/// Records, for each `fn name` in `tokens`, the block it sits directly in (`None`: any other
/// place: a module, a function body, an `extern` block).
fn declarations(
    tokens: TokenStream,
    block: Option<Block>,
    name: &str,
    found: &mut Vec<Option<Block>>,
) {
    // The tokens of the item being read, up to its body: `impl<T> Trait for Type`, say.
    let mut header: Vec<TokenTree> = Vec::new();
    for tree in tokens {
        match &tree {
            TokenTree::Ident(ident) if ident == name && is_fn(header.last()) => found.push(block),
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                declarations(group.stream(), kind(&header), name, found);
                header.clear();
                continue;
            }
            TokenTree::Group(group) => declarations(group.stream(), None, name, found),
            TokenTree::Punct(punct) if punct.as_char() == ';' => {
                header.clear();
                continue;
            }
            _ => {}
        }
        header.push(tree);
    }
}

fn is_fn(tree: Option<&TokenTree>) -> bool {
    matches!(tree, Some(TokenTree::Ident(ident)) if ident == "fn")
}

/// The kind of block an item with this header opens: past its attributes, its visibility and
/// `unsafe`/`default`/`auto`, an `impl` or a `trait`.
fn kind(header: &[TokenTree]) -> Option<Block> {
    let mut trees = header.iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            // `#[...]`: the bracket group is skipped with it.
            TokenTree::Punct(punct) if punct.as_char() == '#' => {
                trees.next();
            }
            TokenTree::Ident(ident) if ident == "pub" => {
                if matches!(trees.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                {
                    trees.next();
                }
            }
            TokenTree::Ident(ident)
                if ident == "unsafe" || ident == "default" || ident == "auto" => {}
            TokenTree::Ident(ident) if ident == "impl" => return Some(Block::Impl),
            TokenTree::Ident(ident) if ident == "trait" => return Some(Block::Trait),
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(source: &str, name: &str) -> Vec<Option<Block>> {
        let mut found = Vec::new();
        declarations(source.parse().unwrap(), None, name, &mut found);
        found
    }

    #[test]
    fn finds_the_block_of_each_declaration() {
        let source = r#"
            /// `impl X { fn forecast() {} }` in a doc comment is text.
            #[derive(Default)]
            pub(crate) struct X { f: fn(u8) }
            #[attr] unsafe impl<T: Copy> Trait for Y<T> where T: Send {
                #[tool]
                async fn forecast(city: String) -> String { let s = "impl Z {"; s.into() }
            }
            pub unsafe trait T: Sized { fn forecast() -> u8 { 1 } }
            mod inner {
                fn forecast() { fn forecast() {} impl Q { fn forecast() {} } }
            }
            extern "C" { fn forecast(); }
            impl<const N: usize> W<{ N }> { fn forecast() {} }
        "#;
        assert_eq!(
            blocks(source, "forecast"),
            [
                Some(Block::Impl),
                Some(Block::Trait),
                None,
                None,
                Some(Block::Impl),
                None,
                // A brace in the header: the body is not told apart, never a false `Impl`.
                None,
            ]
        );
        assert_eq!(blocks(source, "f"), []);
    }

    #[test]
    fn kinds_skip_attributes_visibility_and_qualifiers() {
        let kind_of = |header: &str| {
            let trees: Vec<TokenTree> =
                header.parse::<TokenStream>().unwrap().into_iter().collect();
            kind(&trees)
        };
        assert_eq!(kind_of("#[cfg(x)] impl Foo"), Some(Block::Impl));
        assert_eq!(
            kind_of("default unsafe impl<T> Foo for T"),
            Some(Block::Impl)
        );
        assert_eq!(kind_of("pub(crate) auto trait Foo"), Some(Block::Trait));
        assert_eq!(kind_of("fn impl_trait()"), None);
        assert_eq!(kind_of("let x = S"), None);
    }
}
