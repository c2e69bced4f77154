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
    /// A safe local file name: `<taskId>-<kind>` plus the URL's file extension
    /// (`0c0d…-report.docx`); only ASCII letters, digits, `-`, `_` and `.` are kept.
    pub file_name: String,
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

fn sanitize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect()
}

fn file_name(task_id: &str, kind: DocumentKind, url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    let extension = last
        .rsplit_once('.')
        .map(|(_, ext)| sanitize(ext))
        .filter(|ext| !ext.is_empty() && ext.len() <= 10);
    let mut stem = sanitize(task_id.trim_start_matches('.'));
    if stem.is_empty() {
        stem.push_str("record");
    }
    match extension {
        Some(ext) => format!("{stem}-{}.{ext}", kind.stem()),
        None => format!("{stem}-{}", kind.stem()),
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
        assert_eq!(docs[0].file_name, "t..1-report.docx");
        assert_eq!(docs[1].kind, DocumentKind::Video);
        assert_eq!(docs[1].file_name, "t..1-video");
        assert!(r.is_deleted());
        assert!(record(r#"{"taskId":"x"}"#).documents().is_empty());
        assert!(!record(r#"{"taskId":"x","deleted":0}"#).is_deleted());
    }
}
