//! Small helpers shared by the renderers: an output buffer and doc comments.

use std::fmt::Write as _;

/// Generated source, line by line (rustfmt fixes the indentation afterwards).
#[derive(Default)]
pub(crate) struct Out {
    text: String,
}

impl Out {
    pub(crate) fn line(&mut self, line: impl AsRef<str>) {
        self.text.push_str(line.as_ref());
        self.text.push('\n');
    }

    pub(crate) fn blank(&mut self) {
        self.text.push('\n');
    }

    /// An empty `///` line (a paragraph break in docs).
    pub(crate) fn blank_doc(&mut self) {
        self.line("///");
    }

    /// `///` doc comment lines for `text` (paragraphs separated by blank lines).
    pub(crate) fn doc(&mut self, text: &str) {
        for line in doc_lines(text) {
            if line.is_empty() {
                self.line("///");
            } else {
                let _ = writeln!(self.text, "/// {line}");
            }
        }
    }

    /// `//!` module doc lines.
    pub(crate) fn inner_doc(&mut self, text: &str) {
        for line in doc_lines(text) {
            if line.is_empty() {
                self.line("//!");
            } else {
                let _ = writeln!(self.text, "//! {line}");
            }
        }
    }

    /// A doc comment line written as is (code in examples).
    pub(crate) fn doc_raw(&mut self, line: &str) {
        if line.is_empty() {
            self.line("///");
        } else {
            let _ = writeln!(self.text, "/// {line}");
        }
    }

    pub(crate) fn finish(self) -> String {
        self.text
    }
}

/// Width of doc text before wrapping (rustfmt leaves comments alone).
const WRAP: usize = 88;

/// Markdown-safe, wrapped doc lines: `[`, `]`, `<`, `>` and `*` outside code spans are
/// escaped, bare URLs become autolinks, and no wrapped line starts with something
/// Markdown would read as a list, heading or quote.
pub(crate) fn doc_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let paragraphs: Vec<String> = text
        .trim()
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    for (i, paragraph) in paragraphs.iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        out.extend(wrap(&escape(paragraph)));
    }
    out
}

/// Escapes Markdown-significant characters outside backtick code spans.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    let mut word_start = true;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            i += 1;
            word_start = false;
            continue;
        }
        if !in_code && word_start {
            let rest: String = chars[i..].iter().collect();
            if rest.starts_with("http://") || rest.starts_with("https://") {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let url = &rest[..end];
                let trimmed = url.trim_end_matches(['.', ',', ';', ':', ')']);
                let _ = write!(out, "<{trimmed}>{}", &url[trimmed.len()..]);
                i += url.chars().count();
                word_start = false;
                continue;
            }
        }
        if !in_code && matches!(c, '[' | ']' | '<' | '>' | '*' | '\\') {
            out.push('\\');
        }
        out.push(c);
        word_start = c.is_whitespace() || c == '(';
        i += 1;
    }
    if in_code {
        // An unbalanced backtick would swallow the rest of the docs.
        out.push('`');
    }
    out
}

/// Could `word` at the start of a line change how Markdown reads it?
fn risky_line_start(word: &str) -> bool {
    if matches!(word, "-" | "+" | "*" | "#" | "=" | ">" | "|")
        || word.starts_with('#')
        || word.starts_with("---")
        || word.starts_with("===")
        || word.starts_with("- ")
        || word.starts_with("+ ")
        || word.starts_with('>')
        || word.starts_with('|')
    {
        return true;
    }
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && matches!(word[digits..].chars().next(), Some('.' | ')'))
}

fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    // Split on spaces outside code spans only, so a code span never breaks.
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        }
        if c == ' ' && !in_code {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    for word in words {
        if !line.is_empty() && line.len() + 1 + word.len() > WRAP && !risky_line_start(&word) {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A Rust string literal.
pub(crate) fn lit(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_are_escaped_and_wrapped() {
        let lines =
            doc_lines("A PushInfo<PushData> with [brackets] and `code <kept>` at https://x.io/a.");
        assert_eq!(
            lines,
            vec![
                "A PushInfo\\<PushData\\> with \\[brackets\\] and `code <kept>` at <https://x.io/a>."
            ]
        );
        let long = "word ".repeat(40);
        assert!(doc_lines(&long).iter().all(|l| l.len() <= WRAP));
        let lines = doc_lines(&format!("{} - not a list", "x".repeat(85)));
        assert!(lines.iter().all(|l| !l.starts_with('-')), "{lines:?}");
        let lines = doc_lines(&format!("{} 1. not a list", "x".repeat(85)));
        assert!(lines.iter().all(|l| !l.starts_with("1.")), "{lines:?}");
    }
}
