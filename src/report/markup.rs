//! Markdown text pieces shared by the exporters: table cells, code spans,
//! check marks.

/// Flattens text for one table cell: control characters and line breaks
/// become spaces, runs of spaces one, at most 160 characters.
pub fn flatten(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

/// Makes text safe inside a Markdown table cell: one line, pipes escaped,
/// HTML-significant characters as entities (a Rust frame's `Vec<T>` would
/// otherwise vanish as a tag), backticks as quotes.
pub fn cell(text: &str) -> String {
    let mut out = String::new();
    for c in flatten(text).chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            _ => out.push(c),
        }
    }
    out
}

/// Text as a code span inside a table cell: verbatim but for pipes (escaped,
/// as GitHub's tables require even in code) and backticks (quotes).
pub fn code(text: &str) -> String {
    let mut out = String::from("`");
    for c in flatten(text).chars() {
        match c {
            '|' => out.push_str("\\|"),
            '`' => out.push('\''),
            _ => out.push(c),
        }
    }
    out.push('`');
    out
}

/// `✓` or `✗`.
pub fn tick(ok: bool) -> &'static str {
    if ok {
        "✓"
    } else {
        "✗"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_safe() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("Vec<T> & `x`"), "Vec&lt;T&gt; &amp; 'x'");
        assert_eq!(code("Vec<T>|x"), "`Vec<T>\\|x`");
        assert_eq!(cell(&"x".repeat(200)).chars().count(), 161);
    }
}
