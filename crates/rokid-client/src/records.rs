//! Hand-written conveniences on the generated models.

use crate::generated::{ChatLog, DeletedFlag, WorkRecord};

/// Which document of a work record a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentKind {
    /// The work document (`reportUrl`).
    Report,
    /// The signature (`signUrl`).
    Signature,
    /// The video (`videoUrl`).
    Video,
}

impl DocumentKind {
    /// The field name on the wire (`reportUrl`, `signUrl`, `videoUrl`).
    pub const fn field(self) -> &'static str {
        match self {
            Self::Report => "reportUrl",
            Self::Signature => "signUrl",
            Self::Video => "videoUrl",
        }
    }

    const fn stem(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Signature => "sign",
            Self::Video => "video",
        }
    }
}

/// A downloadable document of a work record: see [`WorkRecord::documents`] and
/// [`RokidClient::download`](crate::RokidClient::download).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkDocument {
    /// Which document it is.
    pub kind: DocumentKind,
    /// Its URL, as the API sent it.
    pub url: String,
    /// A safe local file name, distinct for every record and kind:
    /// `<id>-<kind>[.<ext>]`, where `<kind>` is `report`, `sign` or `video` and `<ext>`
    /// the URL path's file extension (ASCII letters and digits, at most 10).
    ///
    /// `<id>` is the record's `taskId` as-is when it is *plain*: only lowercase ASCII
    /// letters, digits, `-`, `_` and single dots, not starting with a dot, at most
    /// [`MAX_ID_BYTES`](WorkDocument::MAX_ID_BYTES) bytes, and not a Windows device name
    /// (`0c0d…-report.docx`). Any other id is *sanitised* and marked with a hash:
    /// every run of characters other than Unicode letters and digits, `-`, `_` and `.`
    /// becomes `_` (path separators, control and format characters, spaces), runs of dots
    /// become one dot, leading dots go, an empty result becomes `record`, a Windows
    /// device name (`CON`, `NUL`, `COM1`, … before the first dot, any case) gets a `_`
    /// prefix, it is cut to [`MAX_ID_BYTES`](WorkDocument::MAX_ID_BYTES) bytes on a
    /// character boundary, and `~` plus 16 hex digits of a stable hash (64-bit FNV-1a) of
    /// the raw `taskId` is appended: `巡检-001~1f3a…-report.docx`, `a_b~9c0e…-sign.png`.
    ///
    /// So a plain name never contains `~` and a sanitised one always does: two records
    /// get the same name only if their ids are equal or their hashes collide. Ids that
    /// differ only in case or Unicode normalisation (one file on Windows and macOS) are
    /// not plain (uppercase, non-ASCII), so they get distinct hashes too. The name never
    /// holds a path separator, a control character or `..`, never starts with a dot, and
    /// is at most [`MAX_FILE_NAME_BYTES`](WorkDocument::MAX_FILE_NAME_BYTES) bytes, well
    /// under the usual 255-byte limit of file systems.
    pub file_name: String,
}

impl WorkDocument {
    /// The longest [`WorkDocument::file_name`], in bytes (UTF-8).
    pub const MAX_FILE_NAME_BYTES: usize = 200;

    /// The longest `taskId` part of a [`WorkDocument::file_name`], in bytes: the rest
    /// (`~`, the hash, `-report`, a dot and the extension) takes at most 35 bytes.
    pub const MAX_ID_BYTES: usize = 160;
}

impl WorkRecord {
    /// The record's documents whose URL is present and not blank, in the order
    /// report, signature, video.
    pub fn documents(&self) -> Vec<WorkDocument> {
        [
            (DocumentKind::Report, &self.report_url),
            (DocumentKind::Signature, &self.sign_url),
            (DocumentKind::Video, &self.video_url),
        ]
        .into_iter()
        .filter_map(|(kind, url)| {
            let url = url.as_deref()?.trim();
            if url.is_empty() {
                return None;
            }
            Some(WorkDocument {
                kind,
                url: url.to_owned(),
                file_name: file_name(&self.task_id, kind, url),
            })
        })
        .collect()
    }

    /// Whether the record carries the "deleted" flag (`deleted == 1`).
    pub fn is_deleted(&self) -> bool {
        self.deleted == Some(DeletedFlag::Deleted)
    }
}

impl ChatLog {
    /// Whether the log carries the "deleted" flag (`deleted == 1`).
    pub fn is_deleted(&self) -> bool {
        self.deleted == Some(DeletedFlag::Deleted)
    }
}

/// Windows device names, reserved with any extension (`con.txt`) and in any case.
const RESERVED: [&str; 28] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "COM¹", "COM²", "COM³", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8",
    "LPT9", "LPT¹", "LPT²", "LPT³",
];

fn is_reserved(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or_default();
    RESERVED.contains(&base.to_uppercase().as_str())
}

/// Whether `id` can be used as-is: see [`WorkDocument::file_name`].
fn is_plain(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= WorkDocument::MAX_ID_BYTES
        && !id.starts_with('.')
        && !id.contains("..")
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
        && !is_reserved(id)
}

/// Unicode letters and digits, `-`, `_` and `.` are kept; any other run becomes `_`;
/// runs of dots become one dot and leading dots go.
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut replaced = false;
    for c in text.chars() {
        if c.is_alphanumeric() || matches!(c, '-' | '_') {
            out.push(c);
            replaced = false;
        } else if c == '.' {
            if !out.is_empty() && !out.ends_with('.') {
                out.push('.');
            }
            replaced = false;
        } else if !replaced {
            out.push('_');
            replaced = true;
        }
    }
    out
}

/// 64-bit FNV-1a: small, and stable across platforms, versions and runs.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// At most `max` bytes of `text`, cut on a character boundary.
fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

fn id_part(task_id: &str) -> String {
    if is_plain(task_id) {
        return task_id.to_owned();
    }
    let mut stem = sanitize(task_id);
    if stem.is_empty() {
        stem.push_str("record");
    }
    if is_reserved(&stem) {
        stem.insert(0, '_');
    }
    truncate(&mut stem, WorkDocument::MAX_ID_BYTES);
    format!("{stem}~{:016x}", fnv1a(task_id.as_bytes()))
}

fn file_name(task_id: &str, kind: DocumentKind, url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    let extension = last.rsplit_once('.').map(|(_, ext)| ext).filter(|ext| {
        !ext.is_empty() && ext.len() <= 10 && ext.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    let id = id_part(task_id);
    match extension {
        Some(ext) => format!("{id}-{}.{ext}", kind.stem()),
        None => format!("{id}-{}", kind.stem()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> WorkRecord {
        match serde_json::from_str(json) {
            Ok(record) => record,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn documents_skip_blank_urls_and_get_safe_names() {
        let r = record(
            r#"{"taskId":"t/../1","reportUrl":"https://cdn.rokid.com/reports/a.docx?x=1",
                "signUrl":"","videoUrl":"https://cdn.rokid.com/v/clip","deleted":1}"#,
        );
        let docs = r.documents();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].kind, DocumentKind::Report);
        assert_eq!(docs[0].file_name, "t_._1~cfe4631029b2d814-report.docx");
        assert_eq!(docs[1].kind, DocumentKind::Video);
        assert_eq!(docs[1].file_name, "t_._1~cfe4631029b2d814-video");
        assert!(r.is_deleted());
        assert!(record(r#"{"taskId":"x"}"#).documents().is_empty());
        assert!(!record(r#"{"taskId":"x","deleted":0}"#).is_deleted());
    }

    fn report_name(task_id: &str) -> String {
        let json = serde_json::json!({"taskId": task_id, "reportUrl": "https://cdn/r/x.docx?a=1"});
        record(&json.to_string()).documents()[0].file_name.clone()
    }

    /// The attacks: ids that sanitising used to merge into one name.
    const HOSTILE: [&str; 24] = [
        "巡检-001",
        "维修-001",
        "-001",
        "a/b",
        "ab",
        "a\\b",
        "a_b",
        "AB",
        "Ab",
        "..",
        ".",
        "",
        " ",
        "...hidden",
        "hidden",
        "CON",
        "con",
        "con.x",
        "nul.tar",
        "COM1",
        "lpt9",
        "a\u{0}b",
        "a\u{202e}b",
        "x\r\ny",
    ];

    #[test]
    fn different_records_get_different_names() {
        let long_a = format!("{}a", "巡".repeat(300));
        let long_b = format!("{}b", "巡".repeat(300));
        let ids: Vec<&str> = HOSTILE
            .iter()
            .copied()
            .chain([long_a.as_str(), long_b.as_str(), "record", "0c0d1e"])
            .collect();
        let names: Vec<String> = ids.iter().map(|id| report_name(id)).collect();
        let mut folded: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), ids.len(), "{names:#?}");
        // Stable: the same id always gets the same name.
        assert_eq!(report_name("巡检-001"), names[0]);
    }

    #[test]
    fn names_are_safe_and_bounded() {
        const MAX: usize = WorkDocument::MAX_FILE_NAME_BYTES;
        let long = "巡".repeat(1000);
        for id in HOSTILE.iter().copied().chain([long.as_str()]) {
            let name = report_name(id);
            assert!(!name.is_empty() && name.len() <= MAX, "{id:?}: {name}");
            assert!(!name.starts_with('.'), "{id:?}: {name}");
            assert!(!name.contains(".."), "{id:?}: {name}");
            assert!(
                !name
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '/' | '\\' | ':')),
                "{id:?}: {name:?}"
            );
            let base = name
                .split('.')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            assert!(
                !["CON", "PRN", "AUX", "NUL", "COM1", "LPT9"].contains(&base.as_str()),
                "{id:?}: {name}"
            );
        }
    }

    #[test]
    fn unicode_letters_and_digits_are_kept() {
        let name = report_name("巡检-001");
        assert!(name.starts_with("巡检-001"), "{name}");
        assert!(name.ends_with("-report.docx"), "{name}");
        assert_eq!(report_name("0c0d1e-2f"), "0c0d1e-2f-report.docx");
    }
}
