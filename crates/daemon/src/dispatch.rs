//! Command dispatch, in redis' order: existence and arity from the command table, then
//! authentication, then ACL permissions, then the RESP2 pub/sub context, then the command.
//! Keeping that order is what makes error replies identical to redis-sentinel's.

use crate::rename::Renames;
use crate::state::Daemon;
use bytes::Bytes;
use rsentinel_commands::CommandSpec;
use rsentinel_resp::{Frame, Protocol};

/// A command's replies: nearly always one, kept inline (a `Vec` cost a malloc and a
/// free per pipelined command).
pub type Replies = smallvec::SmallVec<[Frame; 1]>;

/// What the session does after a command.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Replies to write, in order (subscribe confirmations can be several).
    pub replies: Replies,
    /// Close the connection once the replies are written.
    pub close_after: bool,
}

impl Outcome {
    pub(crate) fn one(frame: Frame) -> Outcome {
        Outcome {
            replies: smallvec::smallvec![frame],
            close_after: false,
        }
    }
}

const NOAUTH: &str = "NOAUTH Authentication required.";

/// One request, its command resolved once: renamed as `rename-command` says, then looked
/// up in the command table (existence and arity). The session reads it to find the host
/// names to look up before running it, and [`Daemon::execute`] runs it.
pub struct Request {
    /// The arguments as the client sent them.
    sent: Vec<Bytes>,
    /// The arguments renamed to the table's names (`None`: nothing was renamed) and
    /// their table entry; or the reply to a command that is unknown (renamed away
    /// included) or has the wrong number of arguments.
    resolved: Result<(Option<Vec<Bytes>>, &'static CommandSpec), Frame>,
}

impl Request {
    pub fn parse(sent: Vec<Bytes>, renames: &Renames) -> Request {
        let resolved = if renames.is_empty() {
            rsentinel_commands::resolve(&sent).map(|spec| (None, spec))
        } else {
            match renames.map(&sent) {
                Some(renamed) => {
                    rsentinel_commands::resolve(&renamed).map(|spec| (Some(renamed), spec))
                }
                None => Err(rsentinel_commands::unknown_command_error(&sent)),
            }
        };
        Request { sent, resolved }
    }

    /// The arguments as the client sent them.
    pub fn sent(&self) -> &[Bytes] {
        &self.sent
    }

    /// The arguments as sent, for the parser to reuse their vector.
    pub fn into_sent(self) -> Vec<Bytes> {
        self.sent
    }

    /// The arguments under the table's names and their table entry, or the error reply.
    pub fn command(&self) -> Result<(&[Bytes], &'static CommandSpec), &Frame> {
        match &self.resolved {
            Ok((renamed, spec)) => Ok((renamed.as_deref().unwrap_or(&self.sent), *spec)),
            Err(e) => Err(e),
        }
    }
}

/// The handlers of the commands rsentinel serves. The command table resolves a request
/// (name, subcommand, arity); this says which handler runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Handler {
    Ping,
    Auth,
    Hello,
    Info,
    Role,
    Client,
    Command,
    Subscribe,
    Psubscribe,
    Unsubscribe,
    Punsubscribe,
    Publish,
    Shutdown,
    Acl,
    Sentinel,
    /// rsentinel's extension: `FAILOVER <master>` is `SENTINEL FAILOVER <master>`.
    Failover,
}

impl Handler {
    /// The handler of a table entry, by its top-level name; `None` for an entry no
    /// handler serves.
    fn of(top: &str) -> Option<Handler> {
        Some(match top {
            "ping" => Handler::Ping,
            "auth" => Handler::Auth,
            "hello" => Handler::Hello,
            "info" => Handler::Info,
            "role" => Handler::Role,
            "client" => Handler::Client,
            "command" => Handler::Command,
            "subscribe" => Handler::Subscribe,
            "psubscribe" => Handler::Psubscribe,
            "unsubscribe" => Handler::Unsubscribe,
            "punsubscribe" => Handler::Punsubscribe,
            "publish" => Handler::Publish,
            "shutdown" => Handler::Shutdown,
            "acl" => Handler::Acl,
            "sentinel" => Handler::Sentinel,
            "failover" => Handler::Failover,
            _ => return None,
        })
    }

    /// Allowed to a RESP2 client that is subscribed to something.
    fn allowed_in_resp2_pubsub(self) -> bool {
        matches!(
            self,
            Handler::Ping
                | Handler::Subscribe
                | Handler::Unsubscribe
                | Handler::Psubscribe
                | Handler::Punsubscribe
        )
    }
}

impl Daemon {
    /// Runs one request for client `id` and returns what to send back.
    pub fn execute(&mut self, id: u64, request: &Request) -> Outcome {
        let mut out = self.execute_inner(id, request);
        self.stats.replied(&out.replies);
        self.apply_reply_mode(id, request.sent(), &mut out);
        self.after_command();
        out
    }

    fn execute_inner(&mut self, id: u64, request: &Request) -> Outcome {
        let (args, spec) = match request.command() {
            Ok(command) => command,
            Err(err) => return Outcome::one(err.clone()),
        };
        // Redis records the command before the auth and ACL checks, so CLIENT LIST and
        // the ACL LOG entry of a refused command show that command.
        let Some(client) = self.clients.get_mut(id) else {
            return Outcome::default();
        };
        client.last_cmd = Some(spec);
        let client = &*client;
        if !client.authenticated && !spec_has_flag(spec, "no_auth") {
            return Outcome::one(Frame::error(NOAUTH));
        }
        let in_resp2_pubsub = client.in_pubsub() && client.protocol == Protocol::Resp2;
        if client.authenticated {
            if let Err(denied) = self.acl.check_command(&client.user, spec, args) {
                let info = client.describe(std::time::Instant::now());
                let user = client.user.clone();
                let ctx = rsentinel_acl::AclContext {
                    username: &user,
                    now_ms: Daemon::now_ms() as i64,
                    client_info: &info,
                    aclfile: None,
                };
                self.acl.log_denied(&denied, &ctx);
                return Outcome::one(Frame::error(denied.error_text()));
            }
        }
        let top = spec.parent.unwrap_or(spec.name);
        let command = Handler::of(top);
        if in_resp2_pubsub && !command.is_some_and(Handler::allowed_in_resp2_pubsub) {
            return Outcome::one(Frame::error(format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                spec.full_name()
            )));
        }
        self.stats.command_processed();
        let Some(command) = command else {
            return Outcome::one(Frame::error(format!(
                "ERR unknown command '{top}', with args beginning with: "
            )));
        };
        self.run(id, command, spec, args, in_resp2_pubsub)
    }

    fn run(
        &mut self,
        id: u64,
        command: Handler,
        spec: &'static CommandSpec,
        args: &[Bytes],
        in_resp2_pubsub: bool,
    ) -> Outcome {
        match command {
            Handler::Ping => Outcome::one(ping(args, in_resp2_pubsub)),
            Handler::Auth => Outcome::one(self.auth_command(id, args)),
            Handler::Hello => Outcome::one(self.hello_command(id, args)),
            // A plain bulk string in RESP3 too, as redis 7.0 sends it.
            Handler::Info => Outcome::one(Frame::Bulk(Bytes::from(self.info(&args[1..])))),
            Handler::Role => Outcome::one(self.role()),
            Handler::Client => self.client_command(id, spec, args),
            Handler::Command => Outcome::one(rsentinel_commands::command(args)),
            Handler::Subscribe => Outcome {
                replies: Replies::from_vec(self.clients.subscribe(id, &args[1..])),
                close_after: false,
            },
            Handler::Psubscribe => Outcome {
                replies: Replies::from_vec(self.clients.psubscribe(id, &args[1..])),
                close_after: false,
            },
            Handler::Unsubscribe => Outcome {
                replies: Replies::from_vec(self.clients.unsubscribe(id, &args[1..])),
                close_after: false,
            },
            Handler::Punsubscribe => Outcome {
                replies: Replies::from_vec(self.clients.punsubscribe(id, &args[1..])),
                close_after: false,
            },
            Handler::Publish => Outcome::one(self.publish_command(args)),
            Handler::Shutdown => self.shutdown_command(args),
            Handler::Acl => self.acl_command(id, args),
            Handler::Sentinel => Outcome::one(self.sentinel_command(args)),
            Handler::Failover => {
                let sentinel_args = [
                    Bytes::from_static(b"sentinel"),
                    args[0].clone(),
                    args[1].clone(),
                ];
                Outcome::one(self.sentinel_command(&sentinel_args))
            }
        }
    }

    /// CLIENT REPLY OFF/SKIP suppress replies, as redis does.
    fn apply_reply_mode(&mut self, id: u64, args: &[Bytes], out: &mut Outcome) {
        let Some(c) = self.clients.get_mut(id) else {
            return;
        };
        // By the name as sent: a CLIENT renamed by rename-command is not recognised here,
        // so its REPLY SKIP is undone at once (redis checks the command itself).
        let is_client_reply = args.len() >= 2
            && args[0].eq_ignore_ascii_case(b"client")
            && args[1].eq_ignore_ascii_case(b"reply");
        c.filter_replies(is_client_reply, &mut out.replies);
    }

    /// Sentinel's PUBLISH accepts only hello messages, for sentinels that publish their
    /// hellos to each other directly; it answers 1 like redis.
    fn publish_command(&mut self, args: &[Bytes]) -> Frame {
        if args[1].as_ref() != b"__sentinel__:hello" {
            return Frame::error("ERR Only HELLO messages are accepted by Sentinel instances.");
        }
        // Redis answers 1 whatever the message holds.
        self.sentinel.receive_hello(&args[2], Daemon::now_ms());
        Frame::Integer(1)
    }

    fn role(&self) -> Frame {
        let names = self.sentinel.master_names();
        Frame::Array(vec![Frame::bulk_str("sentinel"), Frame::bulk_array(names)])
    }

    fn shutdown_command(&mut self, args: &[Bytes]) -> Outcome {
        let mut abort = false;
        for a in &args[1..] {
            let lower = String::from_utf8_lossy(a).to_ascii_lowercase();
            match lower.as_str() {
                "nosave" | "save" | "now" | "force" => {}
                "abort" => abort = true,
                _ => return Outcome::one(Frame::error("ERR syntax error")),
            }
        }
        if abort {
            return Outcome::one(Frame::error("ERR No shutdown in progress."));
        }
        self.log.warning("User requested shutdown...");
        self.wake.request_shutdown();
        Outcome {
            replies: Replies::new(),
            close_after: true,
        }
    }
}

/// PING: `+PONG`, or the argument; in RESP2 pub/sub context a `pong` array.
fn ping(args: &[Bytes], in_resp2_pubsub: bool) -> Frame {
    if args.len() > 2 {
        return Frame::error("ERR wrong number of arguments for 'ping' command");
    }
    if in_resp2_pubsub {
        let arg = args.get(1).cloned().unwrap_or_default();
        return Frame::Array(vec![Frame::bulk_str("pong"), Frame::Bulk(arg)]);
    }
    match args.get(1) {
        Some(a) => Frame::Bulk(a.clone()),
        None => Frame::Simple("PONG".into()),
    }
}

fn spec_has_flag(spec: &CommandSpec, flag: &str) -> bool {
    spec.flags.contains(&flag)
}
