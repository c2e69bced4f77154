//! Aligned text tables for the terminal, measured in display columns.
//!
//! Chinese, Japanese and Korean characters and most emoji take two columns of a
//! terminal, and combining marks none, so neither bytes nor `chars()` can align a column
//! (Sobot has a China region: its names are mostly wide). Widths come from
//! `unicode-width`, which implements Unicode's East Asian Width and emoji presentation.

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The widest a cell may be, in display columns; longer text is cut with `…`.
pub(crate) const MAX_CELL: usize = 40;

/// Writes aligned columns with a header, a rule and a row count.
pub(crate) fn write_table(
    out: &mut impl Write,
    header: &[String],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clip(c, MAX_CELL)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.width());
            }
        }
    }
    let line = |cells: &[String]| -> String {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            text.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.width())));
        }
        text.trim_end().to_owned()
    };
    writeln!(out, "{}", line(header))?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "{}", line(&rule))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    writeln!(out, "({} rows)", rows.len())
}

/// One line of at most `max` display columns: line breaks become spaces, and text that
/// does not fit ends in `…` (one column).
fn clip(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.width() <= max {
        return one_line;
    }
    let mut clipped = String::new();
    let mut used = 0;
    for c in one_line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max.saturating_sub(1) {
            break;
        }
        used += w;
        clipped.push(c);
    }
    clipped.push('…');
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(header: &[&str], rows: &[&[&str]]) -> String {
        let header: Vec<String> = header.iter().map(|s| (*s).to_owned()).collect();
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
            .collect();
        let mut out = Vec::new();
        write_table(&mut out, &header, &rows).expect("written");
        String::from_utf8(out).expect("UTF-8")
    }

    /// The display column at which each cell of `line` starts, found by the two-space
    /// gaps the table puts between cells (the cells below hold no double spaces).
    fn cell_starts(line: &str) -> Vec<usize> {
        let mut starts = vec![0];
        let mut column = 0;
        let mut previous_space = false;
        let mut in_gap = false;
        for c in line.chars() {
            let space = c == ' ';
            if space && previous_space {
                in_gap = true;
            } else if !space && in_gap {
                starts.push(column);
                in_gap = false;
            }
            previous_space = space;
            column += c.width().unwrap_or(0);
        }
        starts
    }

    #[test]
    fn chinese_names_and_an_emoji_align_column_by_column() {
        let table = render(
            &["id", "name", "status", "cost"],
            &[
                &["1", "张三", "完成", "12"],
                &["22", "Zhang San", "done 👍", "3"],
                &["333", "客服机器人小助手", "ok", "1200"],
            ],
        );
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 6, "header, rule, 3 rows, count:\n{table}");
        let expected = cell_starts(lines[1]);
        assert_eq!(expected.len(), 4, "{table}");
        for line in [lines[0], lines[2], lines[3], lines[4]] {
            assert_eq!(
                cell_starts(line),
                expected,
                "misaligned line {line:?} in\n{table}"
            );
        }
        // The widest name is 8 characters but 16 columns: the rule says so.
        assert_eq!(expected[2] - expected[1], 16 + 2, "{table}");
    }

    #[test]
    fn clipping_counts_columns_and_never_splits_a_wide_character() {
        let long = "中".repeat(30); // 60 columns
        let clipped = clip(&long, MAX_CELL);
        assert!(clipped.width() <= MAX_CELL, "{} columns", clipped.width());
        assert_eq!(clipped, format!("{}…", "中".repeat(19)));
        assert_eq!(clip("short\nline", MAX_CELL), "short line");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
