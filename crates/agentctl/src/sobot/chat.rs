//! `agentctl sobot chat`: an interactive session. Each line is a question (answered as a
//! stream), or the number of a workflow choice or card offered by the last answer; `/end`,
//! the end of the input or Ctrl-C end the session (`end_session`) and exit cleanly. After an
//! answer with a delay, the pushes polled for it (node or session timeout, pushed answer)
//! are shown before the next prompt, and a pushed answer's choices can be picked too.

use sobot_client::Conversation;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::error::CliError;
use crate::sobot::answers::{AnswerView, Choice};

/// What the user typed.
enum Turn<'a> {
    End,
    Pick(usize),
    Ask(&'a str),
}

fn turn<'a>(line: &'a str, choices: usize) -> Option<Turn<'a>> {
    let text = line.trim();
    if text.is_empty() {
        return None;
    }
    if text == "/end" {
        return Some(Turn::End);
    }
    match text.parse::<usize>() {
        Ok(n) if (1..=choices).contains(&n) => Some(Turn::Pick(n - 1)),
        _ => Some(Turn::Ask(text)),
    }
}

/// Runs the session over `input`; `echo` repeats each line after the prompt (for input
/// that is not typed on a terminal); `pushes` polls for node timeouts after each answer.
pub(crate) async fn run<R>(
    chat: &mut Conversation,
    view: &mut AnswerView<'_>,
    input: R,
    echo: bool,
    pushes: bool,
) -> Result<(), CliError>
where
    R: AsyncBufRead + Unpin,
{
    let api = CliError::api("sobot");
    view.say("Type a question, the number of a choice, or /end to finish.")?;
    let mut lines = input.lines();
    let mut choices: Vec<Choice> = Vec::new();
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let step = async {
            if !echo {
                view.prompt(None)?;
            }
            let Some(line) = lines.next_line().await? else {
                return Ok::<bool, CliError>(false);
            };
            if echo && !line.trim().is_empty() {
                view.prompt(Some(line.trim()))?;
            }
            match turn(&line, choices.len()) {
                None => {}
                Some(Turn::End) => return Ok(false),
                Some(Turn::Pick(i)) => {
                    let answers = match &choices[i] {
                        Choice::Button { answer, value } => chat.click_button(answer, value).await,
                        Choice::Card {
                            answer,
                            card,
                            button,
                        } => chat.click_card(answer, *card, button.as_deref()).await,
                    }
                    .map_err(&api)?;
                    view.show_answers(&answers)?;
                }
                Some(Turn::Ask(question)) => {
                    let stream = chat.ask_stream(question).await.map_err(&api)?;
                    view.show_stream(stream).await?;
                }
            }
            if pushes {
                view.follow_pushes(chat).await?;
            }
            choices = view.take_choices();
            Ok(true)
        };
        let go_on = tokio::select! {
            step = step => Some(step?),
            Ok(()) = &mut ctrl_c => None,
        };
        match go_on {
            Some(true) => {}
            Some(false) => break,
            None => {
                // Ctrl-C: leave the prompt's line before saying goodbye.
                view.say("")?;
                break;
            }
        }
    }
    chat.end().await.map_err(&api)?;
    view.say("Session ended.")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_picks_only_an_offered_choice() {
        assert!(matches!(turn(" 2 ", 3), Some(Turn::Pick(1))));
        assert!(matches!(turn("4", 3), Some(Turn::Ask("4"))));
        assert!(matches!(turn("0", 3), Some(Turn::Ask("0"))));
        assert!(matches!(turn("/end", 3), Some(Turn::End)));
        assert!(turn("   ", 3).is_none());
    }
}
