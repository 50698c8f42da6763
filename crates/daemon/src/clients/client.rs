//! One connected client: what `CLIENT LIST`, `CLIENT KILL`, `INFO clients` and the
//! pub/sub hub need to know about it, and the channel to reach its session. Each client
//! keeps its own settings (name, protocol, reply mode, tracking) and the accounting of
//! what is queued for it against its output limits.

use bytes::Bytes;
use rsentinel_resp::{Frame, Protocol};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Redis' default `client-output-buffer-limit pubsub 32mb 8mb 60`.
const HARD_LIMIT: usize = 32 * 1024 * 1024;
const SOFT_LIMIT: usize = 8 * 1024 * 1024;
const SOFT_SECONDS: Duration = Duration::from_secs(60);

/// A subscriber's output limits; a limit of 0 is no limit, as in redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimits {
    pub hard: usize,
    pub soft: usize,
    pub soft_seconds: Duration,
}

impl Default for OutputLimits {
    fn default() -> Self {
        OutputLimits {
            hard: HARD_LIMIT,
            soft: SOFT_LIMIT,
            soft_seconds: SOFT_SECONDS,
        }
    }
}

impl OutputLimits {
    /// The pubsub class as the config sets it.
    pub fn pubsub(server: &rsentinel_config::ServerSettings) -> OutputLimits {
        let (hard, soft, secs) = server.output_buffer_limits(2);
        OutputLimits {
            hard: usize::try_from(hard).unwrap_or(usize::MAX),
            soft: usize::try_from(soft).unwrap_or(usize::MAX),
            soft_seconds: Duration::from_secs(secs),
        }
    }
}

/// What a session is told from outside its own request/reply loop.
#[derive(Debug)]
pub enum Outbound {
    /// A pub/sub message to deliver.
    Message(Frame),
    /// Close the connection (CLIENT KILL, ACL user deleted, output buffer limit).
    Kill,
}

/// `CLIENT REPLY` mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    Skip,
}

/// Where a client is connected from or to, as `CLIENT LIST` writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerAddr {
    Tcp(SocketAddr),
    /// A unix socket, by its path: redis writes it `path:0` in both `addr` and `laddr`.
    Unix(String),
}

impl std::fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerAddr::Tcp(a) => write!(f, "{a}"),
            PeerAddr::Unix(path) => write!(f, "{path}:0"),
        }
    }
}

/// Tracking settings of one client, kept only to report them back.
#[derive(Debug, Default, Clone)]
pub struct Tracking {
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    pub redirect: i64,
    pub prefixes: Vec<Bytes>,
    pub caching: Option<bool>,
}

/// One connection.
#[derive(Debug)]
pub struct Client {
    pub id: u64,
    pub addr: PeerAddr,
    pub laddr: PeerAddr,
    pub fd: i32,
    pub name: Option<Bytes>,
    pub created: Instant,
    pub last_interaction: Instant,
    /// The ACL user name, bytes as authenticated (it need not be UTF-8).
    pub user: Vec<u8>,
    pub authenticated: bool,
    pub protocol: Protocol,
    pub channels: BTreeSet<Bytes>,
    pub patterns: BTreeSet<Bytes>,
    /// The last command (named `client|list` in CLIENT LIST), `None` before the first.
    /// A reference into the static table: recording it costs nothing per command.
    pub last_cmd: Option<&'static rsentinel_commands::CommandSpec>,
    pub reply_mode: ReplyMode,
    pub no_evict: bool,
    /// `CLIENT TRACKING` settings while it is on.
    pub tracking: Option<Tracking>,
    /// Bytes queued for this client and not yet written (pub/sub output buffer).
    pub pending_out: usize,
    /// Since when `pending_out` is above the soft limit.
    soft_limit_since: Option<Instant>,
    /// Over its output limits and told to close (redis' `CLIENT_CLOSE_ASAP`): nothing more
    /// is queued for it, and its session drops the backlog instead of writing it.
    pub closing: bool,
    /// Query buffer bytes as last seen by the session.
    pub qbuf: usize,
    /// `CLIENT SETINFO LIB-NAME` / `LIB-VER` (redis 7.2). Listed only once set, so the
    /// lines of clients that never send it stay exactly redis 7.0.15's.
    pub lib_name: Option<Bytes>,
    pub lib_ver: Option<Bytes>,
    pub tx: mpsc::UnboundedSender<Outbound>,
}

impl Client {
    /// A client just accepted: the default user, RESP2, nothing subscribed or set.
    pub fn new(
        id: u64,
        addr: PeerAddr,
        laddr: PeerAddr,
        fd: i32,
        authenticated: bool,
        tx: mpsc::UnboundedSender<Outbound>,
    ) -> Client {
        let now = Instant::now();
        Client {
            id,
            addr,
            laddr,
            fd,
            name: None,
            created: now,
            last_interaction: now,
            user: b"default".to_vec(),
            authenticated,
            protocol: Protocol::Resp2,
            channels: BTreeSet::new(),
            patterns: BTreeSet::new(),
            last_cmd: None,
            reply_mode: ReplyMode::On,
            no_evict: false,
            tracking: None,
            pending_out: 0,
            soft_limit_since: None,
            closing: false,
            qbuf: 0,
            lib_name: None,
            lib_ver: None,
            tx,
        }
    }

    /// `n` bytes were written to the socket (`drained`: nothing is left to send).
    /// Messages count until written; replies share the queue, so this is an estimate
    /// that errs on the side of keeping the client.
    pub fn wrote(&mut self, n: usize, drained: bool) {
        self.pending_out = self.pending_out.saturating_sub(n);
        if drained {
            self.pending_out = 0;
        }
    }

    /// Queues a pub/sub message of about `size` bytes for the session; true when that
    /// took the client over its output `limits`: it is then told to close instead, and
    /// nothing more is queued for it.
    pub fn queue(&mut self, frame: Frame, size: usize, limits: OutputLimits, now: Instant) -> bool {
        if self.closing {
            return false;
        }
        self.pending_out += size;
        let over_hard = limits.hard != 0 && self.pending_out > limits.hard;
        let over_soft = if limits.soft != 0 && self.pending_out > limits.soft {
            let since = *self.soft_limit_since.get_or_insert(now);
            now.saturating_duration_since(since) >= limits.soft_seconds
        } else {
            self.soft_limit_since = None;
            false
        };
        if over_hard || over_soft {
            self.closing = true;
            let _ = self.tx.send(Outbound::Kill);
            return true;
        }
        let _ = self.tx.send(Outbound::Message(frame));
        false
    }

    /// AUTH and HELLO AUTH succeeded: the client runs as `user` from now on.
    pub fn authenticate_as(&mut self, user: &[u8]) {
        self.authenticated = true;
        self.user = user.to_vec();
    }

    /// `CLIENT REPLY OFF/SKIP` suppress `replies`, as redis does: SKIP the replies of the
    /// command after it (`client_reply`: this one is CLIENT REPLY itself).
    pub fn filter_replies(&mut self, client_reply: bool, replies: &mut crate::dispatch::Replies) {
        match self.reply_mode {
            ReplyMode::Off => replies.clear(),
            ReplyMode::Skip if !client_reply => {
                replies.clear();
                self.reply_mode = ReplyMode::On;
            }
            ReplyMode::Skip => replies.clear(),
            ReplyMode::On => {}
        }
    }

    /// In pub/sub context: subscribed to something (RESP2 restricts the commands then).
    pub fn in_pubsub(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty()
    }

    /// Redis' client type name for `CLIENT KILL TYPE` and `CLIENT LIST TYPE`.
    pub fn kind(&self) -> &'static str {
        if self.in_pubsub() {
            "pubsub"
        } else {
            "normal"
        }
    }

    /// The flags field of `CLIENT LIST`.
    fn flags(&self) -> String {
        let mut f = String::new();
        if self.in_pubsub() {
            f.push('P');
        }
        if self.tracking.is_some() {
            f.push('t');
        }
        if matches!(self.addr, PeerAddr::Unix(_)) {
            f.push('U');
        }
        if self.no_evict {
            f.push('e');
        }
        if f.is_empty() {
            f.push('N');
        }
        f
    }

    /// One `CLIENT LIST` / `CLIENT INFO` line, fields in redis 7.0's order.
    pub fn describe(&self, now: Instant) -> String {
        let name = self
            .name
            .as_ref()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let age = now.saturating_duration_since(self.created).as_secs();
        let idle = now
            .saturating_duration_since(self.last_interaction)
            .as_secs();
        let cmd = self
            .last_cmd
            .map_or_else(|| "NULL".to_string(), |spec| spec.full_name());
        let resp = match self.protocol {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        };
        // Memory figures describe this implementation's buffers, not redis' allocator.
        let qbuf_free = 20_474usize.saturating_sub(self.qbuf);
        let tot_mem = 16_384 + self.qbuf + self.pending_out;
        let mut line = format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db=0 sub={} psub={} ssub=0 multi=-1 qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user={} redir=-1 resp={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            name,
            age,
            idle,
            self.flags(),
            self.channels.len(),
            self.patterns.len(),
            self.qbuf,
            qbuf_free,
            self.pending_out,
            tot_mem,
            cmd,
            String::from_utf8_lossy(&self.user),
            resp
        );
        // redis 7.2's fields, in its order, for clients that used CLIENT SETINFO.
        if self.lib_name.is_some() || self.lib_ver.is_some() {
            let text = |v: &Option<Bytes>| {
                v.as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default()
            };
            line.push_str(&format!(
                " lib-name={} lib-ver={}",
                text(&self.lib_name),
                text(&self.lib_ver)
            ));
        }
        line
    }
}
