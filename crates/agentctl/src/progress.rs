//! A tiny progress bar on stderr, drawn only when stderr is a terminal (otherwise
//! nothing: logs and pipes stay clean). Cheap to update from a download callback.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The bar's width in cells.
const WIDTH: usize = 24;
/// The shortest pause between two redraws.
const REDRAW: Duration = Duration::from_millis(80);

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Records.
    Records,
    /// Bytes (shown as KiB / MiB).
    Bytes,
}

#[derive(Debug)]
struct State {
    done: u64,
    total: Option<u64>,
    drawn: Option<Instant>,
}

/// One progress bar; share it with `Arc`.
#[derive(Debug)]
pub(crate) struct Progress {
    label: String,
    unit: Unit,
    enabled: bool,
    state: Mutex<State>,
}

impl Progress {
    /// A bar labelled `label`, drawn when stderr is a terminal.
    pub(crate) fn new(label: impl Into<String>, unit: Unit) -> Arc<Self> {
        Arc::new(Self {
            label: label.into(),
            unit,
            enabled: std::io::stderr().is_terminal(),
            state: Mutex::new(State {
                done: 0,
                total: None,
                drawn: None,
            }),
        })
    }

    /// Sets the total, once known.
    pub(crate) fn set_total(&self, total: Option<u64>) {
        self.update(|s| {
            if total.is_some() {
                s.total = total;
            }
        });
    }

    /// Sets the amount done so far.
    pub(crate) fn set(&self, done: u64) {
        self.update(|s| s.done = done);
    }

    /// Draws the final state and ends the line.
    pub(crate) fn finish(&self) {
        if !self.enabled {
            return;
        }
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let line = render(&self.label, self.unit, state.done, state.total);
        let _ = writeln!(std::io::stderr(), "\r{line}");
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut state);
        if !self.enabled || state.drawn.is_some_and(|t| t.elapsed() < REDRAW) {
            return;
        }
        state.drawn = Some(Instant::now());
        let line = render(&self.label, self.unit, state.done, state.total);
        let mut err = std::io::stderr();
        let _ = write!(err, "\r{line}");
        let _ = err.flush();
    }
}

/// One line: `label [#####-----] 12/40 records`, or without a bar while the total is
/// unknown.
fn render(label: &str, unit: Unit, done: u64, total: Option<u64>) -> String {
    let amount = |n: u64| match unit {
        Unit::Records => n.to_string(),
        Unit::Bytes => bytes(n),
    };
    let noun = match unit {
        Unit::Records => " records",
        Unit::Bytes => "",
    };
    match total {
        Some(total) if total > 0 => {
            let filled = usize::try_from(done.min(total) * WIDTH as u64 / total).unwrap_or(WIDTH);
            format!(
                "{label} [{}{}] {}/{}{noun}",
                "#".repeat(filled),
                "-".repeat(WIDTH - filled),
                amount(done),
                amount(total)
            )
        }
        _ => format!("{label} {}{noun}", amount(done)),
    }
}

/// A byte count for people: `512 B`, `64.0 KiB`, `3.2 MiB`.
pub(crate) fn bytes(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // display only
    let f = n as f64;
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KiB", f / 1024.0)
    } else {
        format!("{:.1} MiB", f / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_bar_once_the_total_is_known() {
        assert_eq!(
            render("export", Unit::Records, 6, Some(24)),
            "export [######------------------] 6/24 records"
        );
        assert_eq!(render("export", Unit::Records, 6, None), "export 6 records");
        assert_eq!(
            render("a.docx", Unit::Bytes, 2048, Some(4096)),
            "a.docx [############------------] 2.0 KiB/4.0 KiB"
        );
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
