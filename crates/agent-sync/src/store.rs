//! The database: one code path for SQLite and PostgreSQL (sqlx's `Any` driver, `$n`
//! placeholders and `ON CONFLICT` upserts, which both understand).
//!
//! Every page of records is written in one transaction, and the checkpoint of its stream
//! with the last page of a window, in the same transaction: whatever instant the process
//! dies at, the database holds whole pages and a checkpoint that only names windows
//! whose every page is stored.

use std::collections::HashMap;
use std::fmt;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row as _};

use crate::error::SyncError;
use crate::generated;
use crate::row::{Cell, Row};
use crate::schema;
use crate::table::{FIXED_COLUMNS, SqlType, Table};

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The synced records' database, its schema brought up to date when opened.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Where it is, without any password (for messages).
    display: String,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("at", &self.display)
            .finish_non_exhaustive()
    }
}

/// What one page did to its table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) inserted: u64,
    pub(crate) updated: u64,
    pub(crate) unchanged: u64,
    pub(crate) kept_raw: u64,
}

/// The most parameters one statement carries (SQLite allows 32,766).
const MAX_PARAMETERS: usize = 30_000;

/// The `index`-th (1-based) parameter of a statement. PostgreSQL numbers them (`$1`); for
/// SQLite the bulk statements use anonymous `?` (numbered by position): its lookup of a
/// numbered parameter's name is linear, which made binding a page of rows quadratic.
fn parameter(backend: Backend, index: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${index}"),
    }
}

impl Store {
    /// Opens (creating it if need be) the database at `target`: a `postgres://` or
    /// `postgresql://` URL, or else the path of a SQLite file. The schema is created or
    /// upgraded in place ([`crate::SCHEMA_VERSION`]).
    pub async fn open(target: &str) -> Result<Store, SyncError> {
        sqlx::any::install_default_drivers();
        let (backend, url, display) = locate(target)?;
        let options = AnyPoolOptions::new();
        let pool = match backend {
            // One writer: SQLite serialises writers anyway, and one connection keeps the
            // per-connection settings below in force for every statement.
            Backend::Sqlite => {
                options
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL with synchronous=NORMAL: a committed transaction survives the
                            // process being killed (only a power loss may take the last ones).
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = NORMAL",
                                "PRAGMA busy_timeout = 10000",
                            ] {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
            }
            Backend::Postgres => options.max_connections(2).connect(&url).await,
        }
        .map_err(|e| SyncError::database(format!("cannot open {display}"), e))?;
        let store = Store {
            pool,
            backend,
            display,
        };
        schema::migrate(&store).await?;
        Ok(store)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where it is (a file path, or the server's URL without its password).
    pub fn location(&self) -> &str {
        &self.display
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The typed columns a table has in the database (empty if it does not exist).
    pub(crate) async fn columns_of(&self, table: &str) -> Result<Vec<String>, SyncError> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT name FROM pragma_table_info($1)",
            Backend::Postgres => {
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1"
            }
        };
        let rows = sqlx::query(sql)
            .bind(table.to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(|e| SyncError::database(format!("cannot list the columns of {table}"), e))?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()
            .map_err(|e| SyncError::database(format!("cannot list the columns of {table}"), e))
    }

    /// The checkpoint of `stream`: the end of the last window whose every page is stored.
    pub(crate) async fn checkpoint(&self, stream: &str) -> Result<Option<String>, SyncError> {
        let row = sqlx::query("SELECT checkpoint FROM sync_checkpoints WHERE stream = $1")
            .bind(stream.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| SyncError::database("cannot read a checkpoint", e))?;
        row.map(|r| r.try_get::<String, _>(0))
            .transpose()
            .map_err(|e| SyncError::database("cannot read a checkpoint", e))
    }

    /// Stores one page of `table` in one transaction, and, when given, the stream's new
    /// checkpoint in the same one. `now` is the run's time (RFC 3339, UTC).
    pub(crate) async fn write_page(
        &self,
        table: &Table,
        rows: Vec<Row>,
        checkpoint: Option<(&str, &str)>,
        now: &str,
    ) -> Result<Written, SyncError> {
        let rows = last_of_each_key(rows);
        let failed = |e| SyncError::database(format!("cannot store a page of {}", table.name), e);
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let per_row = FIXED_COLUMNS.len() + table.columns.len();
        let mut written = Written::default();
        let size = (MAX_PARAMETERS / per_row).max(1);
        let mut rows = rows;
        while !rows.is_empty() {
            let rest = rows.split_off(size.min(rows.len()));
            let chunk = std::mem::replace(&mut rows, rest);
            let known = existing(&mut tx, self.backend, table, &chunk)
                .await
                .map_err(failed)?;
            for row in &chunk {
                match known.get(row.key.as_str()) {
                    None => written.inserted += 1,
                    Some(json) if *json == row.json => written.unchanged += 1,
                    Some(_) => written.updated += 1,
                }
                written.kept_raw += u64::from(!row.readable);
            }
            upsert(&mut tx, self.backend, table, chunk, now)
                .await
                .map_err(failed)?;
        }
        if let Some((stream, checkpoint)) = checkpoint {
            sqlx::query(
                "INSERT INTO sync_checkpoints (stream, checkpoint, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (stream) DO UPDATE SET checkpoint = excluded.checkpoint, \
                 updated_at = excluded.updated_at",
            )
            .bind(stream.to_owned())
            .bind(checkpoint.to_owned())
            .bind(now.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        }
        tx.commit().await.map_err(failed)?;
        Ok(written)
    }

    /// The number of rows of a table.
    pub(crate) async fn count(&self, table: &str) -> Result<u64, SyncError> {
        let row = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
            .map_err(|e| SyncError::database(format!("cannot count {table}"), e))?;
        let n: i64 = row
            .try_get(0)
            .map_err(|e| SyncError::database(format!("cannot count {table}"), e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Runs a query and returns its rows (for status and tests).
    pub(crate) async fn fetch_all(&self, sql: &str) -> Result<Vec<AnyRow>, SyncError> {
        sqlx::query(sql)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| SyncError::database("query failed", e))
    }

    /// The synced table of each stream (generated from the specs).
    pub(crate) fn tables() -> &'static [&'static Table] {
        &generated::ALL
    }
}

/// `(backend, sqlx URL, display)` of a `--db` value.
fn locate(target: &str) -> Result<(Backend, String, String), SyncError> {
    let target = target.trim();
    if target.is_empty() {
        return Err(SyncError::Config(
            "the database is empty: give a file path or a postgres:// URL".into(),
        ));
    }
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        return Ok((
            Backend::Postgres,
            target.to_owned(),
            without_password(target),
        ));
    }
    if let Some(rest) = target.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        return Ok((Backend::Sqlite, sqlite_url(path), path.to_owned()));
    }
    if target.contains("://") {
        return Err(SyncError::Config(format!(
            "unsupported database `{}`: give a file path (SQLite) or a postgres:// URL",
            without_password(target)
        )));
    }
    Ok((Backend::Sqlite, sqlite_url(target), target.to_owned()))
}

/// The sqlx URL of a SQLite file, created if missing.
fn sqlite_url(path: &str) -> String {
    format!("sqlite://{path}?mode=rwc")
}

/// A URL with its password replaced by `***` (it never appears in messages or logs).
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            let tail = tail.split('?').next().unwrap_or("");
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => format!(
            "{scheme}://{authority}{}",
            tail.split('?').next().unwrap_or("")
        ),
    }
}

/// The rows with one per key, the last one seen winning (a key twice in one statement
/// would be an error in PostgreSQL's upsert), in their first order.
fn last_of_each_key(rows: Vec<Row>) -> Vec<Row> {
    // The common case, no key twice, costs a look and no copy.
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    if rows.iter().all(|r| seen.insert(r.key.as_str())) {
        return rows;
    }
    drop(seen);
    let mut position: HashMap<String, usize> = HashMap::with_capacity(rows.len());
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for row in rows {
        match position.get(&row.key) {
            Some(&i) => out[i] = row,
            None => {
                position.insert(row.key.clone(), out.len());
                out.push(row);
            }
        }
    }
    out
}

/// The stored JSON of the chunk's keys that the table already has.
async fn existing(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    table: &Table,
    chunk: &[Row],
) -> Result<HashMap<String, String>, sqlx::Error> {
    let placeholders: Vec<String> = (1..=chunk.len()).map(|i| parameter(backend, i)).collect();
    let sql = format!(
        "SELECT record_key, raw_json FROM {} WHERE record_key IN ({})",
        table.name,
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for row in chunk {
        query = query.bind(row.key.clone());
    }
    let found = query.fetch_all(&mut **tx).await?;
    found
        .iter()
        .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?)))
        .collect()
}

/// Inserts the chunk, or updates the rows already there: everything but `first_seen`,
/// and `last_changed` only when the JSON differs.
/// The rows are moved into the statement: a page's JSON is not copied once more.
async fn upsert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    table: &Table,
    chunk: Vec<Row>,
    now: &str,
) -> Result<(), sqlx::Error> {
    let sql = upsert_sql(backend, table, chunk.len());
    let mut query = sqlx::query(&sql);
    for row in chunk {
        query = query
            .bind(row.key)
            .bind(row.json)
            .bind(row.readable)
            .bind(now.to_owned())
            .bind(now.to_owned())
            .bind(now.to_owned());
        for (cell, column) in row.cells.into_iter().zip(table.columns) {
            query = match (cell, column.sql) {
                (Cell::Text(s), _) => query.bind(Some(s)),
                (Cell::Integer(i), _) => query.bind(Some(i)),
                (Cell::Real(f), _) => query.bind(Some(f)),
                (Cell::Boolean(b), _) => query.bind(Some(b)),
                // A NULL of the column's own type: PostgreSQL checks it.
                (Cell::Null, SqlType::Text | SqlType::Time) => query.bind(None::<String>),
                (Cell::Null, SqlType::Integer) => query.bind(None::<i64>),
                (Cell::Null, SqlType::Real) => query.bind(None::<f64>),
                (Cell::Null, SqlType::Boolean) => query.bind(None::<bool>),
            };
        }
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// `INSERT … VALUES (…), … ON CONFLICT (record_key) DO UPDATE …` for `rows` rows.
pub(crate) fn upsert_sql(backend: Backend, table: &Table, rows: usize) -> String {
    let names: Vec<String> = FIXED_COLUMNS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .chain(table.columns.iter().map(|c| format!("\"{}\"", c.name)))
        .collect();
    let width = names.len();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=width)
                .map(|c| parameter(backend, r * width + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let t = table.name;
    let mut updates = vec![
        "raw_json = excluded.raw_json".to_owned(),
        "readable = excluded.readable".to_owned(),
        "last_seen = excluded.last_seen".to_owned(),
        format!(
            "last_changed = CASE WHEN {t}.raw_json = excluded.raw_json \
             THEN {t}.last_changed ELSE excluded.last_changed END"
        ),
    ];
    updates.extend(
        table
            .columns
            .iter()
            .map(|c| format!("\"{0}\" = excluded.\"{0}\"", c.name)),
    );
    format!(
        "INSERT INTO {t} ({}) VALUES {} ON CONFLICT (record_key) DO UPDATE SET {}",
        names.join(", "),
        values.join(", "),
        updates.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(
            without_password("postgres://sync:s3cret@db.example:5432/agents?sslmode=require"),
            "postgres://sync:***@db.example:5432/agents"
        );
        assert_eq!(
            without_password("postgres://sync@127.0.0.1/agents"),
            "postgres://sync@127.0.0.1/agents"
        );
        let err = locate("mysql://u:pw@host/db").err().map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| !e.contains("pw")), "{err:?}");
    }

    #[test]
    fn targets_name_their_backend() {
        assert_eq!(
            locate("agent-data.db").ok().map(|l| l.0),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            locate("postgresql://127.0.0.1/x").ok().map(|l| l.0),
            Some(Backend::Postgres)
        );
        assert_eq!(
            locate("sqlite:///tmp/a.db").ok().map(|l| l.1),
            Some("sqlite:///tmp/a.db?mode=rwc".to_owned())
        );
        assert!(locate("  ").is_err());
    }

    #[test]
    fn bulk_statements_number_their_parameters_for_postgres_only() {
        let table = crate::stream::Stream::RokidChatLogs.table_def();
        let width = FIXED_COLUMNS.len() + table.columns.len();
        let sqlite = upsert_sql(Backend::Sqlite, table, 3);
        assert_eq!(sqlite.matches('?').count(), 3 * width);
        assert!(!sqlite.contains('$'), "{sqlite}");
        let postgres = upsert_sql(Backend::Postgres, table, 3);
        assert!(postgres.contains(&format!("${}", 3 * width)), "{postgres}");
        assert!(!postgres.contains(&format!("${}", 3 * width + 1)));
        assert!(
            postgres
                .contains("ON CONFLICT (record_key) DO UPDATE SET raw_json = excluded.raw_json")
        );
    }

    #[test]
    fn one_row_per_key_the_last_winning() {
        let row = |key: &str, json: &str| Row {
            key: key.into(),
            json: json.into(),
            readable: true,
            cells: vec![],
        };
        let rows = last_of_each_key(vec![row("a", "1"), row("b", "2"), row("a", "3")]);
        let keys: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.key.as_str(), r.json.as_str()))
            .collect();
        assert_eq!(keys, [("a", "3"), ("b", "2")]);
    }
}
