//! The end-to-end flows again, against a sandbox that drifts the way real servers do
//! (quirks mode), beside the same flows in normal mode: every export holds every record
//! (an unreadable one kept raw, as sent), a streamed answer goes on past an unreadable
//! event, a token refused with the `errcode` spelling is renewed, and the drift ledger
//! names what was tolerated. In normal mode the ledger stays empty.

use std::time::Duration;

use futures::TryStreamExt;
use itnio_client::ItnioClient;
use rokid_client::{DriftKind, Record, RetryPolicy, RokidClient};
use sobot_client::{AnswerEvent, RecordListParams, SobotClient};
use time::macros::{date, datetime};
use vendor_sandbox::{QuirkKind, ROKID_UIDS, Sandbox};

const LIMIT: Duration = Duration::from_secs(30);

async fn start(quirks: bool) -> Sandbox {
    match Sandbox::builder()
        .seed(42)
        .records(400)
        .quirks(quirks)
        .start()
        .await
    {
        Ok(s) => s,
        Err(e) => panic!("sandbox did not start: {e}"),
    }
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    match tokio::time::timeout(LIMIT, f).await {
        Ok(v) => v,
        Err(_) => panic!("the test took longer than {LIMIT:?}"),
    }
}

fn retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .jitter(false)
}

fn rokid(sandbox: &Sandbox) -> RokidClient {
    RokidClient::builder()
        .base_url(sandbox.urls().rokid.clone())
        .api_key(sandbox.credentials().rokid_api_key.clone())
        .retry_policy(retries())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn sobot(sandbox: &Sandbox) -> SobotClient {
    let c = sandbox.credentials();
    SobotClient::builder()
        .api_base_url(sandbox.urls().sobot_api.clone())
        .token_base_url(sandbox.urls().sobot_token.clone())
        .appid(c.sobot_appid.clone())
        .app_key(c.sobot_app_key.clone())
        .retry_policy(retries())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn itnio(sandbox: &Sandbox) -> ItnioClient {
    let c = sandbox.credentials();
    ItnioClient::builder()
        .base_url(sandbox.urls().itnio.clone())
        .api_key(c.itnio_api_key.clone())
        .api_secret(c.itnio_api_secret.clone())
        .retry_policy(retries())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// How many records are typed and how many kept raw.
fn split<T>(records: &[Record<T>]) -> (usize, usize) {
    let typed = records.iter().filter(|r| r.is_typed()).count();
    (typed, records.len() - typed)
}

/// Every listing of every vendor, exported whole in both modes: the same number of records,
/// the raw ones only in quirks mode, each kept exactly as the sandbox sent it.
#[tokio::test]
async fn every_export_holds_every_record_in_both_modes() {
    let mut totals = Vec::new();
    for quirks in [false, true] {
        let sandbox = start(quirks).await;
        let uid = ROKID_UIDS[1];
        let work: Vec<_> = bounded(
            rokid(&sandbox)
                .list_work_records(uid)
                .page_size(17)
                .by_item()
                .try_collect::<Vec<_>>(),
        )
        .await
        .unwrap_or_else(|e| panic!("quirks {quirks}: {e}"));
        let logs: Vec<_> = bounded(
            rokid(&sandbox)
                .list_chat_logs()
                .page_size(13)
                .by_item()
                .try_collect::<Vec<_>>(),
        )
        .await
        .unwrap_or_else(|e| panic!("quirks {quirks}: {e}"));
        let params = RecordListParams::new(date!(2026 - 01 - 01), date!(2026 - 01 - 31), 1, 11);
        let receptions: Vec<_> = bounded(
            sobot(&sandbox)
                .list_reception_records(params)
                .by_item()
                .try_collect::<Vec<_>>(),
        )
        .await
        .unwrap_or_else(|e| panic!("quirks {quirks}: {e}"));
        let tasks: Vec<_> = bounded(
            itnio(&sandbox)
                .list_group_call_tasks(datetime!(2026-01-01 0:00), datetime!(2026-01-31 23:59:59))
                .size(19)
                .by_item()
                .try_collect::<Vec<_>>(),
        )
        .await
        .unwrap_or_else(|e| panic!("quirks {quirks}: {e}"));

        let expected_work = sandbox
            .data()
            .work_records
            .iter()
            .filter(|r| r.uid.as_deref() == Some(uid))
            .count();
        assert_eq!(work.len(), expected_work, "quirks {quirks}: work records");
        let splits = [
            split(&work),
            split(&logs),
            split(&receptions),
            split(&tasks),
        ];
        let raw: usize = splits.iter().map(|(_, raw)| raw).sum();
        if quirks {
            assert!(
                splits.iter().all(|(_, raw)| *raw > 0),
                "every listing kept some records raw: {splits:?}"
            );
            // Each record the sandbox made unreadable is kept raw; so is each record whose
            // id (which keys it, `x-strict`) the sandbox dropped.
            let counts = sandbox.quirk_counts();
            let unreadable = counts[&QuirkKind::UnreadableRecord];
            let missing = counts[&QuirkKind::MissingRequired];
            assert!(
                (unreadable..=unreadable + missing).contains(&(raw as u64)),
                "{raw} raw records, {unreadable} unreadable and {missing} without an id sent"
            );
            // Raw records are exactly what was sent: parseable JSON that is no record.
            for record in work.iter().filter_map(Record::raw) {
                assert!(serde_json::from_str::<serde_json::Value>(record.json()).is_ok());
            }
        } else {
            assert_eq!(raw, 0, "normal mode keeps nothing raw: {splits:?}");
        }
        totals.push([work.len(), logs.len(), receptions.len(), tasks.len()]);
    }
    assert_eq!(totals[0], totals[1], "the same records in both modes");
}

/// The drift each client recorded: nothing in normal mode, each kind of quirk in quirks
/// mode, filed under the operation and the vendor's field path.
#[tokio::test]
async fn the_ledger_is_empty_in_normal_mode_and_names_the_quirks() {
    for quirks in [false, true] {
        let sandbox = start(quirks).await;
        let client = rokid(&sandbox);
        let _: Vec<_> = bounded(
            client
                .list_work_records(ROKID_UIDS[0])
                .page_size(20)
                .by_item()
                .try_collect::<Vec<_>>(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let report = client.drift().report();
        if !quirks {
            assert!(report.is_empty(), "{report:?}");
            continue;
        }
        let kinds: std::collections::BTreeSet<DriftKind> = report.iter().map(|e| e.kind).collect();
        for kind in [
            DriftKind::TypeCoerced,
            DriftKind::UnknownField,
            DriftKind::UnknownEnumValue,
            DriftKind::UnreadableRecord,
        ] {
            assert!(kinds.contains(&kind), "{kind} missing from {report:?}");
        }
        assert!(report.iter().all(|e| e.operation == "list_work_records"));
        assert!(
            report
                .iter()
                .any(|e| e.path.starts_with("WorkRecord.") && e.kind == DriftKind::TypeCoerced),
            "{report:?}"
        );
    }
}

/// A conversation in both modes: the streamed answer's text is the same, and in quirks
/// mode the unreadable event is handed on as an `Unreadable` item.
#[tokio::test]
async fn a_streamed_conversation_goes_on_past_an_unreadable_event() {
    let mut texts = Vec::new();
    for quirks in [false, true] {
        let sandbox = start(quirks).await;
        let client = sobot(&sandbox);
        let mut chat = client.conversation("1", "visitor-quirks");
        let events: Vec<AnswerEvent> = bounded(async {
            chat.ask_stream("Where is my order?")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await
        .unwrap_or_else(|e| panic!("quirks {quirks}: {e}"));
        let unreadable = events
            .iter()
            .filter(|e| matches!(e, AnswerEvent::Unreadable(_)))
            .count();
        assert_eq!(
            unreadable,
            usize::from(quirks),
            "quirks {quirks}: {events:?}"
        );
        texts.push(
            events
                .iter()
                .filter_map(AnswerEvent::text)
                .collect::<String>(),
        );
        bounded(chat.end()).await.unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(!texts[0].is_empty());
    assert_eq!(texts[0], texts[1]);
}

/// A token refused mid-conversation (in quirks mode with the `errcode` spelling) is
/// renewed once and the question sent again, as in normal mode.
#[tokio::test]
async fn a_refused_token_is_renewed_once_in_both_modes() {
    for quirks in [false, true] {
        let sandbox = match Sandbox::builder()
            .records(10)
            .quirks(quirks)
            .sobot_token_invalid_after(2)
            .start()
            .await
        {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let client = sobot(&sandbox);
        let mut conversation = client.conversation("1", "biz");
        bounded(conversation.init())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for question in ["one", "two", "three"] {
            bounded(conversation.ask(question))
                .await
                .unwrap_or_else(|e| panic!("quirks {quirks}: {e}"));
        }
        assert_eq!(sandbox.count_token_requests(), 2, "quirks {quirks}");
        assert_eq!(
            sandbox.count("/ai-agent-open/ask/answer_no_stream"),
            4,
            "quirks {quirks}"
        );
    }
}
