//! Reads a function's doc comment: the description, and the `# Arguments` section lifted out
//! into one description per parameter, rustdoc style (`* `name` - text`, or `* name - text`).

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// What a doc comment says.
#[derive(Default)]
pub struct Docs {
    /// The prose of the doc comment, without the `# Examples` section and the entries of the
    /// `# Arguments` section.
    pub description: String,
    /// Each `* `name` - text` entry of the `# Arguments` section, with the span of its line.
    pub arguments: Vec<ArgumentDoc>,
    /// Bullets of the `# Arguments` section that name no argument, with the span of each line.
    pub malformed: Vec<(String, Span)>,
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

/// Where the reading of the `# Arguments` section is.
#[derive(Default)]
struct ArgumentList {
    /// How far the section's first bullet is indented: bullets further in belong to an entry.
    indent: Option<usize>,
    /// What the lines that follow without a blank line continue.
    open: Open,
}

/// What a line that is not a bullet continues.
#[derive(Default)]
enum Open {
    /// Nothing: the line is prose of the tool's description.
    #[default]
    Nothing,
    /// The last entry of `Docs::arguments`.
    Entry,
    /// A bullet that names no argument: already an error, the line is dropped.
    Malformed,
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
    let mut list = ArgumentList::default();
    for (text, span) in lines {
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line = line.strip_prefix(' ').unwrap_or(line);
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && let Some(heading) = line.strip_prefix("# ") {
                section = match heading.trim().to_ascii_lowercase().as_str() {
                    "arguments" | "parameters" | "args" => {
                        // Its prose is a paragraph of the description of its own.
                        prose.push(String::new());
                        list = ArgumentList::default();
                        Section::Arguments
                    }
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
                Section::Arguments => {
                    if !argument_line(&mut docs, &mut list, line, span) {
                        prose.push(line.to_owned());
                    }
                }
                Section::Skipped => {}
            }
        }
    }
    docs.description = reflow(&prose);
    docs
}

/// Reads one line of the `# Arguments` section: a bullet (`* ` or `- `) naming a parameter,
/// with or without backticks, then a separator and the text; or a line continuing the entry
/// above (wrapped text, or a bullet indented under it). A blank line ends an entry, as in
/// Markdown. A bullet that names nothing is kept as malformed, for an error at its line.
/// Returns `false` for a line that belongs to the tool's description: the section's prose
/// before its first bullet or after a blank line (and blank lines themselves).
fn argument_line(docs: &mut Docs, list: &mut ArgumentList, line: &str, span: Span) -> bool {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        list.open = Open::Nothing;
        return false;
    }
    let depth = line.len() - line.trim_start().len();
    let bullet = trimmed
        .strip_prefix("* ")
        .or_else(|| trimmed.strip_prefix("- "))
        .filter(|_| list.indent.is_none_or(|first| depth <= first));
    let Some(entry) = bullet else {
        match list.open {
            Open::Nothing => return false,
            Open::Malformed => {}
            Open::Entry => {
                let last = docs.arguments.last_mut().expect("an entry is open");
                let nested = trimmed.starts_with("* ") || trimmed.starts_with("- ");
                if !last.text.is_empty() {
                    last.text.push(if nested { '\n' } else { ' ' });
                }
                last.text.push_str(trimmed);
            }
        }
        return true;
    };
    list.indent.get_or_insert(depth);
    match named_entry(entry.trim_start()) {
        Some((name, text)) => {
            docs.arguments.push(ArgumentDoc {
                name: name.to_owned(),
                text: text.to_owned(),
                span,
            });
            list.open = Open::Entry;
        }
        None => {
            docs.malformed.push((trimmed.to_owned(), span));
            list.open = Open::Malformed;
        }
    }
    true
}

/// `name` and `text` from `` `name` - text``, `` `name`: text``, `name - text` or
/// `name: text` (the dash may be `-`, `–` or `—`); a name in backticks needs no separator.
fn named_entry(entry: &str) -> Option<(&str, &str)> {
    let separators = ['-', ':', '–', '—'];
    let (name, rest) = match entry.strip_prefix('`') {
        Some(quoted) => {
            let (name, rest) = quoted.split_once('`')?;
            (name.trim(), rest.trim_start())
        }
        None => {
            let end = entry
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '#'))
                .unwrap_or(entry.len());
            let (name, rest) = entry.split_at(end);
            let rest = rest.trim_start();
            if !rest.starts_with(separators) {
                return None;
            }
            (name, rest)
        }
    };
    let name = name.strip_prefix("r#").unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    Some((name, rest.trim_start_matches(separators).trim()))
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

    fn arguments(d: &Docs) -> Vec<(&str, &str)> {
        d.arguments
            .iter()
            .map(|a| (a.name.as_str(), a.text.as_str()))
            .collect()
    }

    #[test]
    fn bullets_without_backticks_name_their_argument() {
        let d = docs(
            " Adds.\n\n # Arguments\n * `c` - the c value\n * d - the d value,\n   wrapped\n * e: the e value\n * r#type — the kind",
        );
        assert_eq!(
            arguments(&d),
            [
                ("c", "the c value"),
                ("d", "the d value, wrapped"),
                ("e", "the e value"),
                ("type", "the kind")
            ]
        );
        assert!(d.malformed.is_empty());
    }

    #[test]
    fn a_bullet_that_names_nothing_is_malformed_not_glued() {
        let d = docs(" Adds.\n\n # Arguments\n * `c` - the c value\n * the d value");
        assert_eq!(arguments(&d), [("c", "the c value")]);
        assert_eq!(d.malformed.len(), 1);
        assert_eq!(d.malformed[0].0, "* the d value");
    }

    #[test]
    fn indented_bullets_belong_to_the_entry_above() {
        let d = docs(
            " Sorts.\n\n # Arguments\n * `order` - the order:\n   - asc: up\n   - desc: down\n * `n` - how many",
        );
        assert_eq!(
            arguments(&d),
            [
                ("order", "the order:\n- asc: up\n- desc: down"),
                ("n", "how many")
            ]
        );
    }

    #[test]
    fn a_paragraph_after_the_list_is_part_of_the_description() {
        let d = docs(
            " Fetch a page.\n\n # Arguments\n\n * `url` - the URL\n\n Returns at most 2000 characters; never follows redirects.",
        );
        assert_eq!(
            d.description,
            "Fetch a page.\n\nReturns at most 2000 characters; never follows redirects."
        );
        assert_eq!(arguments(&d), [("url", "the URL")]);
    }

    #[test]
    fn prose_before_the_first_bullet_is_part_of_the_description() {
        let d = docs(" Fetch a page.\n # Arguments\n Both are checked.\n * `url` - the URL");
        assert_eq!(d.description, "Fetch a page.\n\nBoth are checked.");
        assert_eq!(arguments(&d), [("url", "the URL")]);
    }

    #[test]
    fn a_blank_line_ends_an_entry_and_a_bullet_after_it_starts_one() {
        let d = docs(
            " Sorts.\n\n # Arguments\n * `order` - the order,\n   up or down\n\n * `n` - how many\n\n   Sorting is stable.\n\n # Errors\n When empty.",
        );
        assert_eq!(
            arguments(&d),
            [("order", "the order, up or down"), ("n", "how many")]
        );
        assert_eq!(
            d.description,
            "Sorts.\n\nSorting is stable.\n\n# Errors\nWhen empty."
        );
    }

    #[test]
    fn lines_under_a_bullet_that_names_nothing_are_not_glued_to_the_entry_above() {
        let d = docs(" Adds.\n\n # Arguments\n * `c` - the c value\n * the d value,\n   wrapped");
        assert_eq!(arguments(&d), [("c", "the c value")]);
        assert_eq!(d.description, "Adds.");
        assert_eq!(d.malformed.len(), 1);
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
