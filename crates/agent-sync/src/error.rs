//! The sync's one error type.

use crate::stream::Stream;

/// Why a sync, or opening its database, failed.
///
/// No variant ever shows a database password or a vendor credential: database URLs are
/// shown without their password, and vendor errors are the clients' own, which carry none.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The configuration (streams, user ids, dates, the database's location) is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The database refused an operation.
    #[error("database: {context}: {source}")]
    Database {
        /// What was being done.
        context: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The database was written by a newer version of this crate.
    #[error(
        "database: its schema is version {found}, newer than this program's {known}: \
         upgrade agent-clients-sync"
    )]
    SchemaTooNew {
        /// The database's version.
        found: i64,
        /// The newest this program knows.
        known: i64,
    },
    /// A bug of this crate (an invariant broken); please report it.
    #[error("internal error (a bug in agent-clients-sync): {0}")]
    Internal(String),
    /// A vendor call failed (after the client's own retries).
    #[error("{stream}: {source}")]
    Api {
        /// The stream being synced.
        stream: Stream,
        /// The client's error.
        #[source]
        source: common_http::Error,
    },
}

impl SyncError {
    pub(crate) fn database(context: impl Into<String>, source: sqlx::Error) -> Self {
        SyncError::Database {
            context: context.into(),
            source,
        }
    }
}
