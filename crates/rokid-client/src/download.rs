//! Streamed downloads of work documents (hand-written: the spec cannot say it).
//!
//! A work record links its documents by URL (`reportUrl`, `signUrl`, `videoUrl`). A
//! [`Download`] streams one of them to any [`AsyncWrite`] or to a file, chunk by chunk,
//! never holding the whole document in memory.
//!
//! **Credentials.** The API key is attached only when the document URL has the same
//! origin (scheme, host and port) as the client's base URL. Documents served from any
//! other host (the documented example is `https://cdn.rokid.com/...`) are requested
//! without an `Authorization` header, so the key is never handed to a third party.
//!
//! **Pre-signed URLs.** A document URL may carry a signature in its query string
//! (`?X-Amz-Signature=…`). No error and no `Debug` output of this module shows it: they
//! name at most the URL's scheme, host, port and path (and an unparsable URL not at
//! all); transport errors come from `common-http`, which strips URLs.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use common_http::reexports::{http::Method, url};
use common_http::{Error, RequestOptions, RequestSpec};
use futures::TryStreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::RokidClient;

/// How far a download has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadProgress {
    /// Bytes received so far.
    pub downloaded: u64,
    /// The size the server announced (`Content-Length`), when it did.
    pub total: Option<u64>,
}

type ProgressFn = Box<dyn FnMut(DownloadProgress) + Send>;

/// A prepared download of one document URL; made by [`RokidClient::download`].
///
/// Nothing is sent until [`Download::to_writer`] or [`Download::to_file`]. The progress
/// callback is called after every chunk with the bytes so far (never decreasing) and the
/// announced total.
///
/// ```no_run
/// # async fn demo(client: rokid_client::RokidClient) -> Result<(), rokid_client::Error> {
/// let bytes = client
///     .download("https://cdn.rokid.com/reports/work-record-001.docx")
///     .on_progress(|p| eprintln!("{} / {:?}", p.downloaded, p.total))
///     .to_file("reports/work-record-001.docx")
///     .await?;
/// # let _ = bytes; Ok(()) }
/// ```
pub struct Download {
    client: RokidClient,
    url: String,
    progress: Option<ProgressFn>,
    options: RequestOptions,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("url", &redacted(&self.url))
            .field("progress", &self.progress.is_some())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Download {
    pub(crate) fn new(client: RokidClient, url: String) -> Self {
        Self {
            client,
            url,
            progress: None,
            options: RequestOptions::default(),
        }
    }

    /// Calls `callback` after every received chunk.
    pub fn on_progress(mut self, callback: impl FnMut(DownloadProgress) + Send + 'static) -> Self {
        self.progress = Some(Box::new(callback));
        self
    }

    /// Overrides the client's timeout (the wait for the response headers) or retry policy
    /// (retries happen only before the first byte of the body).
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The URL to download.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the API key will be sent: only when the URL has the same origin as the
    /// API base URL. `false` for a URL that does not parse.
    pub fn carries_api_key(&self) -> bool {
        self.parsed().is_ok_and(|url| self.same_origin(&url))
    }

    fn parsed(&self) -> Result<url::Url, Error> {
        let text = self.url.trim();
        if text.is_empty() {
            return Err(Error::invalid_request("the download URL is empty"));
        }
        // The text is not shown: it may hold a signature or a password, and an
        // unparsable URL has no reliable query to cut off.
        let url = url::Url::parse(text)
            .map_err(|e| Error::invalid_request(format!("the download URL is invalid: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid_request(format!(
                "the download URL must be http or https, not `{}`",
                url.scheme()
            )));
        }
        Ok(url)
    }

    fn same_origin(&self, url: &url::Url) -> bool {
        url.origin() == self.client.base_url().origin()
    }

    /// Streams the document into `writer` and returns the number of bytes written. The
    /// writer is flushed at the end; on error it holds whatever arrived before.
    ///
    /// A body shorter than its announced `Content-Length` is an error.
    pub async fn to_writer<W>(self, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let url = self.parsed()?;
        self.stream_into(url, writer).await
    }

    /// Streams the document to `path` and returns its size.
    ///
    /// The body goes to a temporary file in the same directory,
    /// `.<hash>.<pid>-<n>.part` (at most 60 bytes whatever the length of `path`'s name:
    /// 16 hex digits of a hash of the name, the process id and a counter), which is
    /// renamed to `path` only once the whole body arrived; an existing file at
    /// `path` is replaced. On any failure (or when the future is dropped) the temporary
    /// file is removed, so `path` never holds a partial document.
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let url = self.parsed()?;
        let name = path.file_name().ok_or_else(|| {
            Error::invalid_request(format!("`{}` does not name a file", path.display()))
        })?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let temp = dir.join(format!(
            ".{:016x}.{}-{}.part",
            crate::records::fnv1a(name.as_encoded_bytes()),
            std::process::id(),
            NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
        ));
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await
            .map_err(|e| io_error("create", &temp, e))?;
        let mut guard = TempFile(Some(temp.clone()));
        let written = self.stream_into(url, &mut file).await?;
        file.sync_all()
            .await
            .map_err(|e| io_error("write", &temp, e))?;
        drop(file);
        tokio::fs::rename(&temp, path)
            .await
            .map_err(|e| io_error("rename to its final name", &temp, e))?;
        guard.0 = None;
        Ok(written)
    }

    async fn stream_into<W>(mut self, url: url::Url, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let http = if self.same_origin(&url) {
            &self.client.http
        } else {
            &self.client.anonymous
        };
        let spec = RequestSpec::absolute(Method::GET, url).options(self.options.clone());
        let mut body = http.send_bytes(spec).await?;
        let total = body.content_length();
        let mut downloaded: u64 = 0;
        while let Some(chunk) = body.try_next().await? {
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| Error::io("writing the download failed", e))?;
            downloaded += chunk.len() as u64;
            if let Some(progress) = self.progress.as_mut() {
                progress(DownloadProgress { downloaded, total });
            }
        }
        if let Some(total) = total
            && downloaded != total
        {
            return Err(Error::transport(format!(
                "the download ended after {downloaded} of {total} announced bytes"
            )));
        }
        writer
            .flush()
            .await
            .map_err(|e| Error::io("writing the download failed", e))?;
        Ok(downloaded)
    }
}

static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Removes the temporary file unless disarmed (success), also when the future is dropped.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The URL without its query, fragment or user info: `scheme://host[:port]/path`, or a
/// placeholder for a URL that does not parse.
fn redacted(text: &str) -> String {
    match url::Url::parse(text.trim()) {
        Ok(url) => {
            let host = url.host_str().unwrap_or_default();
            match url.port() {
                Some(port) => format!("{}://{host}:{port}{}", url.scheme(), url.path()),
                None => format!("{}://{host}{}", url.scheme(), url.path()),
            }
        }
        Err(_) => "<not a valid URL>".to_owned(),
    }
}

fn io_error(action: &str, path: &Path, err: std::io::Error) -> Error {
    Error::io(
        format!("could not {action} the download file `{}`", path.display()),
        err,
    )
}
