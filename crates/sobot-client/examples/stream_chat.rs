//! Streaming chat: prints the answer text as it arrives; one question per input line.
//!
//! ```sh
//! SOBOT_APPID=... SOBOT_APP_KEY=... cargo run -p sobot-client --example stream_chat -- <robotid> <bizid>
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufRead as _, Write as _};

use futures::TryStreamExt as _;
use sobot_client::{AnswerEvent, SobotClient};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(robotid), Some(bizid)) = (args.next(), args.next()) else {
        eprintln!("usage: stream_chat <robotid> <bizid>");
        std::process::exit(2);
    };
    let client = SobotClient::from_env()?;
    let mut chat = client.conversation(robotid, bizid);
    let stdin = std::io::stdin();
    print!("> ");
    std::io::stdout().flush()?;
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            break;
        }
        let mut events = chat.ask_stream(line.trim()).await?;
        while let Some(event) = events.try_next().await? {
            match event {
                AnswerEvent::Message(chunk) => {
                    print!("{}", chunk.text);
                    std::io::stdout().flush()?;
                }
                AnswerEvent::Info(info) => {
                    if let Some(values) = &info.variable_value_enums {
                        println!("\n[choices: {}]", values.join(" | "));
                    }
                    if info.delay > 0 {
                        println!("\n[node timeout in {} s]", info.delay);
                    }
                }
                AnswerEvent::Error(notice) => {
                    eprintln!("\n[error: {}]", notice.message.unwrap_or_default());
                }
                AnswerEvent::End(notice) => {
                    eprintln!("\n[chat ended: {}]", notice.message.unwrap_or_default());
                }
                _ => {}
            }
        }
        print!("\n> ");
        std::io::stdout().flush()?;
    }
    chat.end().await?;
    Ok(())
}
