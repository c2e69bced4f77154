//! One-shot question: `ask_init`, one non-streaming answer, `end_session`.
//!
//! ```sh
//! SOBOT_APPID=... SOBOT_APP_KEY=... SOBOT_REGION=sg \
//!   cargo run -p sobot-client --example ask -- <robotid> <bizid> "your question"
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use sobot_client::SobotClient;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(robotid), Some(bizid), Some(question)) = (args.next(), args.next(), args.next())
    else {
        eprintln!("usage: ask <robotid> <bizid> <question>");
        std::process::exit(2);
    };
    let client = SobotClient::from_env()?;
    let mut chat = client.conversation(robotid, bizid);
    for answer in chat.ask(&question).await? {
        if let Some(text) = answer.answer.as_deref().filter(|t| !t.is_empty()) {
            println!("{text}");
        }
        if answer.delay > 0 {
            println!("(node timeout in {} s)", answer.delay);
        }
    }
    chat.end().await?;
    Ok(())
}
