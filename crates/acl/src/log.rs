//! The ACL LOG: recent denials, newest first, with similar events within a
//! minute folded into one entry whose count grows (`addACLLogEntry`).

use std::collections::VecDeque;

use rsentinel_resp::Frame;

use crate::check::DenyReason;

/// Events this close in time (ms) with the same reason, context, object and
/// user are merged.
const GROUPING_MAX_DELTA_MS: u64 = 60_000;
/// How many recent entries are searched for a merge candidate.
const MERGE_SCAN: usize = 10;
/// Default of `acllog-max-len`.
pub const DEFAULT_MAX_LEN: usize = 128;

/// Where the denied command ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogContext {
    Toplevel,
    Multi,
    Lua,
    Module,
}

impl LogContext {
    fn as_str(self) -> &'static str {
        match self {
            LogContext::Toplevel => "toplevel",
            LogContext::Multi => "multi",
            LogContext::Lua => "lua",
            LogContext::Module => "module",
        }
    }
}

/// One ACL LOG entry.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub count: u64,
    pub reason: DenyReason,
    pub context: LogContext,
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    /// Time of the last event folded into this entry.
    pub ctime_ms: i64,
    /// CLIENT LIST style line of the last client involved.
    pub client_info: String,
}

/// The bounded log.
#[derive(Clone, Debug)]
pub struct AclLog {
    entries: VecDeque<LogEntry>,
    max_len: usize,
}

impl Default for AclLog {
    fn default() -> Self {
        AclLog {
            entries: VecDeque::new(),
            max_len: DEFAULT_MAX_LEN,
        }
    }
}

impl AclLog {
    /// Sets `acllog-max-len`; like redis, the log shrinks on the next insert.
    pub fn set_max_len(&mut self, max_len: usize) {
        self.max_len = max_len;
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries, newest first.
    pub fn entries(&self) -> impl Iterator<Item = &LogEntry> {
        self.entries.iter()
    }

    /// ACL LOG RESET.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Records an event (its `count` is ignored: every call is one event).
    pub fn add(&mut self, mut entry: LogEntry) {
        let found = self.entries.iter().take(MERGE_SCAN).position(|e| {
            e.reason == entry.reason
                && e.context == entry.context
                && e.ctime_ms.abs_diff(entry.ctime_ms) <= GROUPING_MAX_DELTA_MS
                && e.object == entry.object
                && e.username == entry.username
        });
        if let Some(mut existing) = found.and_then(|pos| self.entries.remove(pos)) {
            existing.client_info = entry.client_info;
            existing.ctime_ms = entry.ctime_ms;
            existing.count += 1;
            self.entries.push_front(existing);
            return;
        }
        entry.count = 1;
        self.entries.push_front(entry);
        while self.entries.len() > self.max_len {
            self.entries.pop_back();
        }
    }

    /// The ACL LOG reply for up to `count` entries.
    pub fn reply(&self, count: usize, now_ms: i64) -> Frame {
        Frame::Array(
            self.entries
                .iter()
                .take(count)
                .map(|e| {
                    Frame::Map(vec![
                        (Frame::bulk_str("count"), Frame::Integer(e.count as i64)),
                        (
                            Frame::bulk_str("reason"),
                            Frame::bulk_str(e.reason.as_str()),
                        ),
                        (
                            Frame::bulk_str("context"),
                            Frame::bulk_str(e.context.as_str()),
                        ),
                        (Frame::bulk_str("object"), Frame::bulk(e.object.clone())),
                        (Frame::bulk_str("username"), Frame::bulk(e.username.clone())),
                        (
                            Frame::bulk_str("age-seconds"),
                            Frame::Double(now_ms.saturating_sub(e.ctime_ms) as f64 / 1000.0),
                        ),
                        (
                            Frame::bulk_str("client-info"),
                            Frame::bulk_str(&e.client_info),
                        ),
                    ])
                })
                .collect(),
        )
    }
}
