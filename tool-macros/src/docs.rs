//! Reads a function's doc comment: the description, and the `# Arguments` section lifted out
//! into one description per parameter, rustdoc style (`* `name` - text`).

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// What a doc comment says.
#[derive(Default)]
pub struct Docs {
    /// The prose of the doc comment without the `# Arguments` and `# Examples` sections.
    pub description: String,
    /// Each `* `name` - text` entry of the `# Arguments` section, with the span of its line.
    pub arguments: Vec<ArgumentDoc>,
}

/// One entry of the `# Arguments` section.
pub struct ArgumentDoc {
    pub name: String,
    pub text: String,
    pub span: Span,
}

enum Section {
    Prose,
    Arguments,
    Skipped,
}

/// Reads the `#[doc = "..."]` attributes of a function.
pub fn parse(attrs: &[Attribute]) -> Docs {
    let lines = attrs.iter().filter_map(|attr| match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some((s.value(), attr.span())),
            _ => None,
        },
        _ => None,
    });
    let mut docs = Docs::default();
    let mut prose = Vec::new();
    let mut section = Section::Prose;
    let mut in_code = false;
    for (text, span) in lines {
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line = line.strip_prefix(' ').unwrap_or(line);
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && let Some(heading) = line.strip_prefix("# ") {
                section = match heading.trim().to_ascii_lowercase().as_str() {
                    "arguments" | "parameters" | "args" => Section::Arguments,
                    "examples" | "example" => Section::Skipped,
                    _ => {
                        prose.push(line.to_owned());
                        Section::Prose
                    }
                };
                continue;
            }
            match section {
                Section::Prose => prose.push(line.to_owned()),
                Section::Arguments => argument_line(&mut docs.arguments, line, span),
                Section::Skipped => {}
            }
        }
    }
    docs.description = reflow(&prose);
    docs
}

fn argument_line(arguments: &mut Vec<ArgumentDoc>, line: &str, span: Span) {
    let trimmed = line.trim();
    let entry = trimmed
        .strip_prefix("* ")
        .or_else(|| trimmed.strip_prefix("- "))
        .and_then(|rest| rest.trim_start().strip_prefix('`'))
        .and_then(|rest| rest.split_once('`'));
    match entry {
        Some((name, rest)) => {
            let text = rest
                .trim_start()
                .trim_start_matches(['-', ':', '–', '—'])
                .trim();
            arguments.push(ArgumentDoc {
                name: name.trim().to_owned(),
                text: text.to_owned(),
                span,
            });
        }
        None => {
            if let Some(last) = arguments.last_mut().filter(|_| !trimmed.is_empty()) {
                if !last.text.is_empty() {
                    last.text.push(' ');
                }
                last.text.push_str(trimmed);
            }
        }
    }
}

/// Joins wrapped lines of a paragraph with spaces; keeps blank lines between paragraphs, list
/// items and code blocks on their own lines.
fn reflow(lines: &[String]) -> String {
    let mut out = String::new();
    let mut in_code = false;
    let mut previous_blank = true;
    let mut previous_heading = false;
    for line in lines {
        let trimmed = line.trim();
        let fence = trimmed.starts_with("```");
        let keeps_own_line = in_code
            || fence
            || trimmed.starts_with("* ")
            || trimmed.starts_with("- ")
            || trimmed.starts_with('#')
            || trimmed.starts_with('|');
        if trimmed.is_empty() && !in_code {
            previous_blank = true;
            continue;
        }
        if out.is_empty() {
        } else if previous_blank {
            out.push_str("\n\n");
        } else if keeps_own_line || previous_heading {
            out.push('\n');
        } else {
            out.push(' ');
        }
        out.push_str(if in_code { line.trim_end() } else { trimmed });
        if fence {
            in_code = !in_code;
        }
        previous_blank = false;
        previous_heading = !in_code && trimmed.starts_with('#');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Docs {
        let attrs: Vec<Attribute> = text
            .split('\n')
            .map(|line| syn::parse_quote!(#[doc = #line]))
            .collect();
        parse(&attrs)
    }

    #[test]
    fn summary_body_and_arguments() {
        let d = docs(
            " Fetch a web page.\n\n Returns the start of\n its body.\n\n # Arguments\n * `url` - absolute URL,\n   http or https\n * `max_chars`: how much to keep\n\n # Examples\n ```\n fetch_url(x)\n ```",
        );
        assert_eq!(
            d.description,
            "Fetch a web page.\n\nReturns the start of its body."
        );
        let args: Vec<_> = d
            .arguments
            .iter()
            .map(|a| (a.name.as_str(), a.text.as_str()))
            .collect();
        assert_eq!(
            args,
            [
                ("url", "absolute URL, http or https"),
                ("max_chars", "how much to keep")
            ]
        );
    }

    #[test]
    fn lists_and_other_sections_stay() {
        let d = docs(" Sorts.\n - one\n - two\n\n # Errors\n When empty.");
        assert_eq!(
            d.description,
            "Sorts.\n- one\n- two\n\n# Errors\nWhen empty."
        );
    }
}
