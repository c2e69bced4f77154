//! The SQL queries the README shows for `agentctl sync` run on a synced SQLite database
//! and give the answers the sandbox's data says they should: the documentation's queries
//! are tested, not just printed.

use agent_sync::{Sources, Store, SyncOptions, Syncer};
use sqlx::Row as _;
use time::Duration;
use vendor_sandbox::{DATA_EPOCH, ROKID_UIDS, Sandbox};

/// The ```sql blocks of the README's sync section, in order.
fn readme_queries() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("### Keeping the records in your own database")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_else(|| panic!("the README has no sync section"));
    section
        .split("```sql\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_readme_queries_answer_from_a_synced_database() {
    let queries = readme_queries();
    assert_eq!(queries.len(), 3, "three queries: {queries:?}");

    let sandbox = Sandbox::builder()
        .seed(3)
        .records(150)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let c = sandbox.credentials();
    let sources = Sources::new()
        .rokid(
            rokid_client::RokidClient::builder()
                .base_url(sandbox.urls().rokid.clone())
                .api_key(c.rokid_api_key.clone())
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .sobot(
            sobot_client::SobotClient::builder()
                .api_base_url(sandbox.urls().sobot_api.clone())
                .token_base_url(sandbox.urls().sobot_token.clone())
                .appid(c.sobot_appid.clone())
                .app_key(c.sobot_app_key.clone())
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .itnio(
            itnio_client::ItnioClient::builder()
                .base_url(sandbox.urls().itnio.clone())
                .api_key(c.itnio_api_key.clone())
                .api_secret(c.itnio_api_secret.clone())
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        );
    let path = std::env::temp_dir().join(format!("readme-sql-{}.db", std::process::id()));
    let db = path.display().to_string();
    let mut options = SyncOptions::new(DATA_EPOCH);
    options.rokid_user_ids = ROKID_UIDS.iter().map(|u| (*u).to_owned()).collect();
    options.until = Some(DATA_EPOCH + Duration::days(8));
    let store = Store::open(&db).await.unwrap_or_else(|e| panic!("{e}"));
    let syncer = Syncer::new(store, sources, options).unwrap_or_else(|e| panic!("{e}"));
    for summary in syncer.run().await.unwrap_or_else(|e| panic!("{e}")) {
        assert_eq!(summary.error, None, "{}", summary.stream);
    }

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{db}"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let total = |query: &str, column: usize| {
        let pool = pool.clone();
        let query = query.to_owned();
        async move {
            let rows = sqlx::query(&query)
                .fetch_all(&pool)
                .await
                .unwrap_or_else(|e| panic!("{query}: {e}"));
            assert!(!rows.is_empty(), "{query}: no rows");
            rows.iter()
                .map(|r| {
                    r.try_get::<i64, _>(column)
                        .unwrap_or_else(|e| panic!("{query}: {e}"))
                })
                .sum::<i64>()
        }
    };
    let data = sandbox.data();
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    // Receptions per day add up to every reception record.
    assert_eq!(total(&queries[0], 1).await, count(data.sobot_records.len()));
    // Tasks per day add up to every task, and calls to every task's calls.
    assert_eq!(total(&queries[1], 1).await, count(data.itnio_tasks.len()));
    let calls: i64 = data
        .itnio_tasks
        .iter()
        .map(|t| t.task.call_num.unwrap_or(0))
        .sum();
    assert_eq!(total(&queries[1], 2).await, calls);
    // Work records by progress add up to every work record.
    assert_eq!(total(&queries[2], 1).await, count(data.work_records.len()));
    pool.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{suffix}"));
    }
}
