//! Figures as ratio lines, the machine they were measured on, and `BENCHMARKS.md`.

use std::fmt::{self, Write as _};
use std::path::Path;

/// What a ratio must be to pass.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    AtMost(f64),
    AtLeast(f64),
    Exactly(f64),
    /// Reported only.
    None,
}

impl Target {
    fn verdict(self, ratio: f64) -> &'static str {
        let pass = match self {
            Target::AtMost(t) => ratio <= t,
            Target::AtLeast(t) => ratio >= t,
            Target::Exactly(t) => (ratio - t).abs() < f64::EPSILON,
            Target::None => return "REPORT",
        };
        if pass { "PASS" } else { "MISS" }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::AtMost(t) => write!(f, "target <= {t}"),
            Target::AtLeast(t) => write!(f, "target >= {t}"),
            Target::Exactly(t) => write!(f, "target = {t}"),
            Target::None => f.write_str("no target"),
        }
    }
}

/// One measured figure: a ratio against its baseline, with the raw numbers behind it.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub(crate) name: String,
    /// What the ratio divides, e.g. `ours/reqwest`.
    pub(crate) ratio_label: String,
    pub(crate) ratio: f64,
    pub(crate) target: Target,
    /// The absolute numbers, for the reader.
    pub(crate) detail: String,
}

impl Figure {
    pub(crate) fn new(
        name: impl Into<String>,
        ratio_label: impl Into<String>,
        ratio: f64,
        target: Target,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            ratio_label: ratio_label.into(),
            ratio,
            target,
            detail: detail.into(),
        }
    }

    pub(crate) fn verdict(&self) -> &'static str {
        self.target.verdict(self.ratio)
    }

    /// `per-call overhead rokid  ours/reqwest = 1.02  (target <= 1.05)  PASS`.
    pub(crate) fn line(&self) -> String {
        format!(
            "{:<34} {} = {}  ({})  {}",
            self.name,
            self.ratio_label,
            ratio_text(self.ratio),
            self.target,
            self.verdict()
        )
    }
}

fn ratio_text(ratio: f64) -> String {
    if ratio.abs() >= 100.0 {
        format!("{ratio:.0}")
    } else {
        format!("{ratio:.2}")
    }
}

/// The machine: cores and CPU model.
#[derive(Debug, Clone)]
pub(crate) struct Machine {
    pub(crate) cores: usize,
    pub(crate) cpu: String,
}

impl Machine {
    pub(crate) fn detect() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        Self { cores, cpu }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cores, {}", self.cores, self.cpu)
    }
}

const START: &str = "<!-- figures:start (written by `cargo xtask bench --write`) -->";
const END: &str = "<!-- figures:end -->";

/// The figures section of `BENCHMARKS.md`, as Markdown.
fn section(figures: &[Figure], machine: &Machine, mode: &str, date: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{START}");
    let _ = writeln!(
        out,
        "Latest run: {date}, {mode} mode, on {machine} (`cargo xtask bench`).\n"
    );
    let _ = writeln!(
        out,
        "| figure | ratio | value | target | verdict | measured |"
    );
    let _ = writeln!(out, "|---|---|---:|---|---|---|");
    for f in figures {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            f.name,
            f.ratio_label,
            ratio_text(f.ratio),
            f.target,
            f.verdict(),
            f.detail.replace('|', "\\|")
        );
    }
    let _ = writeln!(out, "{END}");
    out
}

/// Replaces the figures section of the Markdown file at `path` (appends it if absent).
pub(crate) fn write_markdown(
    path: &Path,
    figures: &[Figure],
    machine: &Machine,
    mode: &str,
    date: &str,
) -> std::io::Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new_section = section(figures, machine, mode, date);
    let text = match (old.find(START), old.find(END)) {
        (Some(start), Some(end)) if end > start => {
            let after = &old[end + END.len()..];
            let after = after.strip_prefix('\n').unwrap_or(after);
            format!("{}{new_section}{after}", &old[..start])
        }
        _ => format!("{old}\n{new_section}"),
    };
    std::fs::write(path, text)
}
