//! Access control: AUTH and HELLO (the two commands an unauthenticated connection may
//! run) and ACL, whose changes take effect on the connected clients at once.

use crate::dispatch::Outcome;
use crate::state::Daemon;
use bytes::Bytes;
use rsentinel_acl::AclReply;
use rsentinel_resp::{Frame, Protocol};

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

impl Daemon {
    /// Marks the client authenticated as `user` when the password matches; logs a
    /// failed attempt in the ACL log as redis does.
    fn try_authenticate(&mut self, id: u64, command: &[u8], user: &[u8], pass: &[u8]) -> bool {
        if self.acl.authenticate(user, pass) {
            if let Some(c) = self.clients.get_mut(id) {
                c.authenticate_as(user);
            }
            true
        } else {
            let (me, info) = self.acl_identity(id);
            let ctx = rsentinel_acl::AclContext {
                username: &me,
                now_ms: Daemon::now_ms() as i64,
                client_info: &info,
                aclfile: None,
            };
            self.acl.log_auth_failure(user, command, &ctx);
            false
        }
    }

    pub(crate) fn auth_command(&mut self, id: u64, args: &[Bytes]) -> Frame {
        if args.len() > 3 {
            return Frame::error("ERR syntax error");
        }
        let (user, pass): (&[u8], &[u8]) = if args.len() == 2 {
            if self.acl.default_is_nopass() {
                return Frame::error(
                    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
                );
            }
            (b"default", &args[1])
        } else {
            (&args[1], &args[2])
        };
        if self.try_authenticate(id, &args[0], user, pass) {
            Frame::ok()
        } else {
            Frame::error(WRONGPASS)
        }
    }

    pub(crate) fn hello_command(&mut self, id: u64, args: &[Bytes]) -> Frame {
        let mut version = None;
        let mut i = 1;
        if args.len() >= 2 {
            let v = std::str::from_utf8(&args[1])
                .ok()
                .and_then(|s| s.parse::<i64>().ok());
            match v {
                None => {
                    return Frame::error("ERR Protocol version is not an integer or out of range")
                }
                Some(v) if !(2..=3).contains(&v) => {
                    return Frame::error("NOPROTO unsupported protocol version")
                }
                Some(v) => version = Some(v),
            }
            i = 2;
        }
        while i < args.len() {
            let more = args.len() - 1 - i;
            let opt = &args[i];
            if opt.eq_ignore_ascii_case(b"auth") && more >= 2 {
                let (u, p) = (args[i + 1].clone(), args[i + 2].clone());
                if !self.try_authenticate(id, &args[0], &u, &p) {
                    return Frame::error(WRONGPASS);
                }
                i += 3;
            } else if opt.eq_ignore_ascii_case(b"setname") && more >= 1 {
                if let Err(e) = self.clients.set_name(id, &args[i + 1]) {
                    return e;
                }
                i += 2;
            } else {
                return Frame::error(format!(
                    "ERR Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(opt)
                ));
            }
        }
        let Some(c) = self.clients.get_mut(id) else {
            return Frame::Null;
        };
        if !c.authenticated {
            return Frame::error(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
            );
        }
        match version {
            Some(3) => c.protocol = Protocol::Resp3,
            Some(2) => c.protocol = Protocol::Resp2,
            _ => {}
        }
        let proto = match c.protocol {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        };
        Frame::Map(vec![
            (Frame::bulk_str("server"), Frame::bulk_str("redis")),
            (
                Frame::bulk_str("version"),
                Frame::bulk_str(crate::version::REDIS_VERSION),
            ),
            (Frame::bulk_str("proto"), Frame::Integer(proto)),
            (Frame::bulk_str("id"), Frame::Integer(c.id as i64)),
            (Frame::bulk_str("mode"), Frame::bulk_str("sentinel")),
            (Frame::bulk_str("modules"), Frame::Array(Vec::new())),
        ])
    }

    /// The client's user name and its CLIENT LIST line, for ACL contexts.
    pub(crate) fn acl_identity(&self, id: u64) -> (Vec<u8>, String) {
        self.clients
            .get(id)
            .map(|c| (c.user.clone(), c.describe(std::time::Instant::now())))
            .unwrap_or_default()
    }

    pub(crate) fn acl_command(&mut self, id: u64, args: &[Bytes]) -> Outcome {
        let (user, info) = self.acl_identity(id);
        let aclfile = self.config.server.aclfile.clone();
        let ctx = rsentinel_acl::AclContext {
            username: &user,
            now_ms: Daemon::now_ms() as i64,
            client_info: &info,
            aclfile: aclfile.as_deref(),
        };
        let frame = match self.acl.acl_command(args, &ctx) {
            AclReply::Frame(f) => f,
            AclReply::Load { path } => {
                let text = std::fs::read(&path);
                match &text {
                    Ok(t) => self.acl.finish_load(&path, Ok(t)),
                    Err(e) => self
                        .acl
                        .finish_load(&path, Err(&crate::os_error::strerror(e))),
                }
            }
            AclReply::Save { path, text } => {
                match rsentinel_config::write_atomic(std::path::Path::new(&path), &text) {
                    Ok(()) => Frame::ok(),
                    Err(e) => {
                        self.log
                            .warning(&format!("Failed to save ACL file '{path}': {e}"));
                        rsentinel_acl::save_failed_reply()
                    }
                }
            }
        };
        let close_me = self.apply_acl_changes(id);
        Outcome {
            replies: smallvec::smallvec![frame],
            close_after: close_me,
        }
    }

    /// Clients authenticated as a deleted or reloaded user are disconnected, and
    /// subscribers that lost a channel permission too, as redis does, so a revoked
    /// credential stops working at once. Returns true when the calling client is one of
    /// them (it is closed after its reply).
    fn apply_acl_changes(&mut self, me: u64) -> bool {
        let changes = self.acl.take_changes();
        let mut victims: Vec<u64> = Vec::new();
        for c in self.clients.iter() {
            let user = c.user.as_slice();
            if changes.disconnect_users.iter().any(|u| u == user) {
                victims.push(c.id);
            } else if changes.recheck_pubsub_users.iter().any(|u| u == user) {
                let lost = c
                    .channels
                    .iter()
                    .any(|ch| !self.acl.channel_allowed(user, ch, false))
                    || c.patterns
                        .iter()
                        .any(|p| !self.acl.channel_allowed(user, p, true));
                if lost {
                    victims.push(c.id);
                }
            }
        }
        self.clients.kill_all(&victims, me)
    }
}
