//! Cutting text to a length the model can take, saying how much was cut.

/// The most characters of an argument (a URL, a path) shown in an error.
pub const MAX_SHOWN_CHARS: usize = 300;

/// `text` fit for one line of an error or a log: control characters (and quotes) escaped,
/// cut after [`MAX_SHOWN_CHARS`] characters with `…`.
pub fn escaped(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    match escaped.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((end, _)) => format!("{}…", &escaped[..end]),
        None => escaped,
    }
}

/// The first `max_chars` characters of `text`, with a marker when something was left out.
/// `more` says that `text` itself is only the start of something longer.
pub fn cut_chars(text: &str, max_chars: usize, more: bool) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => {
            let left = text[end..].chars().count();
            let unit = if left == 1 { "character" } else { "characters" };
            let plus = if more { ", and more after them," } else { "" };
            format!(
                "{}\n[cut: {left} more {unit}{plus} not shown]",
                &text[..end]
            )
        }
        None if more => format!("{text}\n[cut: the rest was not read]"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::cut_chars;

    #[test]
    fn cuts_at_a_char_boundary() {
        assert_eq!(
            cut_chars("héllo wörld", 5, false),
            "héllo\n[cut: 6 more characters not shown]"
        );
        assert_eq!(
            cut_chars("日本語", 2, true),
            "日本\n[cut: 1 more character, and more after them, not shown]"
        );
        assert_eq!(cut_chars("short", 10, false), "short");
        assert_eq!(
            cut_chars("short", 10, true),
            "short\n[cut: the rest was not read]"
        );
    }
}
