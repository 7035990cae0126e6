//! Server text made safe for a terminal: control characters written out
//! as Go's `%q` writes them inside a string.
//!
//! Prefer [`text`] for messages that may span lines (errors, notes) and
//! [`cell`] for one table cell or one status line. Raw bodies (`get --raw`,
//! `raw`) and JSON, YAML and JSONPath output are never escaped: they are
//! data, and JSON and YAML already escape what they must.
//!
//! Only C0 controls, DEL and C1 controls (U+0080 to U+009F, which some
//! terminals take as ESC sequences: U+009B is CSI) are rewritten; every
//! other character, non-ASCII letters and symbols included, is left as it
//! is, and text without controls is returned borrowed.

use std::borrow::Cow;

/// `s` with its control characters escaped, line breaks and tabs kept:
/// for messages that may span lines, such as error output.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n' || c == '\t')
}

/// `s` with every control character escaped, `\n` and `\t` included: for a
/// single table cell or a one-line status, which must stay one line.
pub fn cell(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// [`cell`], for a value that is already owned.
pub fn cell_owned(s: String) -> String {
    match cell(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(escaped) => escaped,
    }
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let needs = |c: char| is_control(c) && !keep(c);
    let Some(first) = s.find(needs) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if !needs(c) {
            out.push(c);
            continue;
        }
        kapi::gofmt::write_escaped_control(&mut out, c);
    }
    Cow::Owned(out)
}

/// C0 (U+0000 to U+001F), DEL and C1 (U+0080 to U+009F): exactly `char::is_control`.
fn is_control(c: char) -> bool {
    c.is_control()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_is_borrowed_unchanged() {
        for s in [
            "",
            "pod/web created",
            "héllo wörld ✓ 日本語 \\x1b",
            "a\"b'c",
        ] {
            assert!(matches!(text(s), Cow::Borrowed(_)), "{s}");
            assert!(matches!(cell(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn controls_are_written_as_go_quotes_them() {
        assert_eq!(
            cell("\u{1b}[31mred\u{7}\r\u{8}\u{c}\u{b}\0\u{7f}"),
            "\\x1b[31mred\\a\\r\\b\\f\\v\\x00\\x7f"
        );
        assert_eq!(cell("\u{9b}2J\u{85}"), "\\u009b2J\\u0085");
        assert_eq!(cell("a\nb\tc"), "a\\nb\\tc");
    }

    #[test]
    fn messages_keep_their_line_breaks_and_tabs() {
        assert_eq!(
            text("line one\n* \u{1b}]0;title\u{7}\tok"),
            "line one\n* \\x1b]0;title\\a\tok"
        );
    }

    #[test]
    fn u00a0_and_above_are_printable() {
        assert_eq!(cell("\u{a0}\u{a1}é"), "\u{a0}\u{a1}é");
    }
}
