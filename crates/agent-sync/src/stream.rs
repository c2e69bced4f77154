//! The streams a sync keeps: one vendor listing, one table each.

use std::fmt;

use crate::error::SyncError;

/// A stream of records the sync keeps: one vendor listing, one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Stream {
    /// Rokid work records (`list_work_records`), for the configured user ids.
    RokidWorkRecords,
    /// Rokid agent chat logs (`list_chat_logs`).
    RokidChatLogs,
    /// Sobot reception records (`record_list`).
    SobotReceptionRecords,
    /// Itniotech group-call tasks.
    ItnioGroupCallTasks,
}

impl Stream {
    /// Every stream, in the order a sync walks them.
    pub const ALL: [Stream; 4] = [
        Stream::RokidWorkRecords,
        Stream::RokidChatLogs,
        Stream::SobotReceptionRecords,
        Stream::ItnioGroupCallTasks,
    ];

    /// The stream's name (in the config file, on the command line, in `sync_checkpoints`).
    pub fn name(self) -> &'static str {
        match self {
            Stream::RokidWorkRecords => "rokid-work-records",
            Stream::RokidChatLogs => "rokid-chat-logs",
            Stream::SobotReceptionRecords => "sobot-reception-records",
            Stream::ItnioGroupCallTasks => "itnio-group-call-tasks",
        }
    }

    /// The table its records are stored in.
    pub fn table(self) -> &'static str {
        self.table_def().name
    }

    pub(crate) fn table_def(self) -> &'static crate::table::Table {
        use crate::generated as g;
        match self {
            Stream::RokidWorkRecords => &g::ROKID_WORK_RECORDS,
            Stream::RokidChatLogs => &g::ROKID_CHAT_LOGS,
            Stream::SobotReceptionRecords => &g::SOBOT_RECEPTION_RECORDS,
            Stream::ItnioGroupCallTasks => &g::ITNIO_GROUP_CALL_TASKS,
        }
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Stream {
    type Err = SyncError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stream::ALL
            .into_iter()
            .find(|stream| stream.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = Stream::ALL.iter().map(|s| s.name()).collect();
                SyncError::Config(format!(
                    "unknown stream `{s}` (one of {})",
                    names.join(", ")
                ))
            })
    }
}
