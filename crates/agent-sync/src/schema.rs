//! The database schema: versioned migrations for the sync's own tables, and the synced
//! tables made from the generated descriptions, to which a field new in a spec is added
//! as a column in place.

use sqlx::Row as _;

use crate::error::SyncError;
use crate::store::Store;
use crate::table::{FIXED_COLUMNS, Table};

/// The newest schema version this crate writes. A database at an older version is
/// upgraded in place when opened; one at a newer version is refused.
pub const SCHEMA_VERSION: i64 = 1;

/// The statements that take the schema from version `n - 1` to `n`, at index `n - 1`.
const MIGRATIONS: [&[&str]; SCHEMA_VERSION as usize] = [&[
    "CREATE TABLE sync_checkpoints (stream TEXT PRIMARY KEY, checkpoint TEXT NOT NULL, \
     updated_at TEXT NOT NULL)",
    "CREATE TABLE sync_runs (stream TEXT NOT NULL, started_at TEXT NOT NULL, \
     finished_at TEXT, outcome TEXT NOT NULL, windows BIGINT NOT NULL, pages BIGINT NOT NULL, \
     inserted BIGINT NOT NULL, updated BIGINT NOT NULL, unchanged BIGINT NOT NULL, \
     kept_raw BIGINT NOT NULL, PRIMARY KEY (stream, started_at))",
    "CREATE TABLE sync_drift (vendor TEXT NOT NULL, operation TEXT NOT NULL, \
     path TEXT NOT NULL, kind TEXT NOT NULL, count BIGINT NOT NULL, example TEXT NOT NULL, \
     last_seen TEXT NOT NULL, PRIMARY KEY (vendor, operation, path, kind))",
]];

/// Brings the database to [`SCHEMA_VERSION`] and every synced table to its generated
/// columns, in one transaction per step.
pub(crate) async fn migrate(store: &Store) -> Result<(), SyncError> {
    let failed = |e| SyncError::database("cannot migrate the schema", e);
    let pool = store.pool();
    sqlx::query("CREATE TABLE IF NOT EXISTS sync_schema (version BIGINT NOT NULL)")
        .execute(pool)
        .await
        .map_err(failed)?;
    let mut tx = pool.begin().await.map_err(failed)?;
    let found: Option<i64> = sqlx::query("SELECT MAX(version) FROM sync_schema")
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(failed)?;
    let found = found.unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(SyncError::SchemaTooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (index, statements) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        for statement in *statements {
            sqlx::query(statement)
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
        }
        tracing::info!(version = index + 1, "sync schema migrated");
    }
    if found < SCHEMA_VERSION {
        sqlx::query("DELETE FROM sync_schema")
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query("INSERT INTO sync_schema (version) VALUES ($1)")
            .bind(SCHEMA_VERSION)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
    }
    tx.commit().await.map_err(failed)?;
    for table in Store::tables() {
        ensure_table(store, table).await?;
    }
    Ok(())
}

/// Creates the table, or adds the typed columns it lacks (a field new in the spec). Typed
/// columns are quoted: a vendor's field may be named like an SQL keyword.
async fn ensure_table(store: &Store, table: &Table) -> Result<(), SyncError> {
    let failed = |e| SyncError::database(format!("cannot create or upgrade {}", table.name), e);
    let existing = store.columns_of(table.name).await?;
    if existing.is_empty() {
        sqlx::query(&create_sql(table))
            .execute(store.pool())
            .await
            .map_err(failed)?;
        return Ok(());
    }
    for column in table.columns {
        if !existing.iter().any(|c| c == column.name) {
            sqlx::query(&format!(
                "ALTER TABLE {} ADD COLUMN \"{}\" {}",
                table.name,
                column.name,
                column.sql.ddl()
            ))
            .execute(store.pool())
            .await
            .map_err(failed)?;
            tracing::info!(table = table.name, column = column.name, "column added");
        }
    }
    Ok(())
}

/// `CREATE TABLE` of a synced table.
pub(crate) fn create_sql(table: &Table) -> String {
    let columns: Vec<String> = FIXED_COLUMNS
        .iter()
        .map(|(name, ddl)| format!("{name} {ddl}"))
        .chain(
            table
                .columns
                .iter()
                .map(|c| format!("\"{}\" {}", c.name, c.sql.ddl())),
        )
        .collect();
    format!("CREATE TABLE {} ({})", table.name, columns.join(", "))
}
