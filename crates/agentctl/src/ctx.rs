//! [`Ctx`]: what a vendor command needs besides its own arguments — the output format,
//! the variables credentials and hosts are read from, where to write, and (in the demo)
//! the script `sobot chat` reads instead of stdin.
//!
//! It lives apart from the command line ([`crate::cli`]) so that the vendor modules, the
//! export helpers and the demo can take it without importing the dispatcher that calls
//! them: the imports between modules then run one way only.

use std::io::Write;

use crate::config::Vars;
use crate::output::Format;

/// What a command needs besides its own arguments.
pub(crate) struct Ctx<'a> {
    /// The output format.
    pub(crate) format: Format,
    /// Where credentials and hosts are read from when no flag gives them.
    pub(crate) vars: &'a Vars,
    /// Standard output (or, in the demo, a counting sink).
    pub(crate) out: &'a mut dyn Write,
    /// The lines `sobot chat` reads instead of stdin (the demo's script).
    pub(crate) script: Option<&'a str>,
    /// The most pages an `--all` export walks before it stops with an error.
    pub(crate) max_pages: Option<u64>,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("format", &self.format)
            .field("vars", &self.vars)
            .field("script", &self.script)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}
