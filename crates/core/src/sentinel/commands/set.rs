//! `SENTINEL SET <master> <option> <value> ...`: per-master settings, applied pair by
//! pair with a `+set` event each; an error stops the loop but keeps what was applied.

use bytes::Bytes;
use rsentinel_resp::Frame;

use super::{arity_error, no_such_master, CommandEnv, Reply};
use crate::event::LogLevel;
use crate::master::InstRef;
use crate::master::MasterKey;
use crate::parse::{err_text, parse_i64, text};
use crate::sentinel::Sentinel;

const SCRIPTS_DENIED: &str = "ERR Reconfiguration of scripts path is denied for security reasons. \
     Check the deny-scripts-reconfig configuration directive in your Sentinel configuration";

fn bad_arg(value: &[u8], option: &[u8]) -> Frame {
    Frame::error(err_text(format!(
        "ERR Invalid argument '{}' for SENTINEL SET '{}'",
        text(value),
        text(option)
    )))
}

impl Sentinel {
    /// `args[0]` is the master name, then option/value pairs.
    pub(super) fn cmd_set(&mut self, args: &[Bytes], env: &CommandEnv) -> Reply {
        let Some(m) = self.master_key_bytes(&args[0]) else {
            return no_such_master().into();
        };
        if args.len() < 3 {
            return arity_error(b"set").into();
        }
        let mut changes = 0;
        let mut j = 1;
        let mut error = None;
        while j < args.len() {
            let option = &args[j];
            let more = args.len() - 1 - j;
            match self.set_option(m, option, &args[j + 1..], more, env) {
                Ok((used, shown)) => {
                    changes += 1;
                    let mut msg = format!("{} {}", self.describe(InstRef::Master(m)), text(option));
                    for v in shown {
                        msg.push(' ');
                        msg.push_str(&v);
                    }
                    self.event(LogLevel::Warning, "+set", Some(m), msg);
                    j += 1 + used;
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if changes > 0 {
            self.flush_config();
        }
        match error {
            Some(e) => e.into(),
            None if changes > 0 => Reply::AfterFlush,
            None => arity_error(b"set").into(),
        }
    }

    /// Apply one option; returns how many values it took and the values to show in the
    /// `+set` event (the password redacted).
    fn set_option(
        &mut self,
        m: MasterKey,
        option: &[u8],
        values: &[Bytes],
        more: usize,
        env: &CommandEnv,
    ) -> Result<(usize, Vec<String>), Frame> {
        let opt = option.to_ascii_lowercase();
        let unknown = || {
            Frame::error(err_text(format!(
                "ERR Unknown option or number of arguments for SENTINEL SET '{}'",
                text(option)
            )))
        };
        let needed = if opt == b"rename-command" { 2 } else { 1 };
        if more < needed {
            return Err(unknown());
        }
        let v = &values[0];
        // The file is read back with `atoi` (an int), by redis and by rsentinel: a larger
        // value would come back as another number (or a quorum of 0 that does not load).
        let in_file_range = |n: &i64| *n <= i64::from(i32::MAX);
        let positive = || {
            parse_i64(v)
                .filter(|n| *n > 0)
                .filter(in_file_range)
                .ok_or_else(|| bad_arg(v, option))
        };
        let shown = vec![text(v)];
        let master = &mut self.masters[m];
        match opt.as_slice() {
            b"down-after-milliseconds" => {
                let n = positive()?;
                master.set_down_after(n as u64);
            }
            b"failover-timeout" => master.failover_timeout_ms = positive()? as u64,
            // redis keeps these in 32-bit fields.
            b"parallel-syncs" => master.parallel_syncs = positive()? as u32,
            b"quorum" => master.quorum = positive()? as u32,
            b"notification-script" | b"client-reconfig-script" => {
                if self.options.deny_scripts_reconfig {
                    return Err(Frame::error(SCRIPTS_DENIED));
                }
                // A path is kept as text; one that is not UTF-8 is refused, not altered.
                let Ok(path) = std::str::from_utf8(v) else {
                    return Err(bad_arg(v, option));
                };
                let path = path.to_string();
                let notification = opt == b"notification-script";
                if !path.is_empty() && !(env.script_ok)(&path) {
                    return Err(Frame::error(if notification {
                        "ERR Notification script seems non existing or non executable"
                    } else {
                        "ERR Client reconfiguration script seems non existing or non executable"
                    }));
                }
                let value = (!path.is_empty()).then_some(path);
                let master = &mut self.masters[m];
                if notification {
                    master.notification_script = value;
                } else {
                    master.client_reconfig_script = value;
                }
            }
            b"auth-pass" | b"auth-user" => {
                let value = (!v.is_empty()).then(|| v.to_vec());
                let redacted = opt == b"auth-pass";
                if redacted {
                    master.auth_pass = value;
                } else {
                    master.auth_user = value;
                }
                self.drop_master_connections(m);
                if redacted {
                    return Ok((1, vec!["******".to_string()]));
                }
            }
            b"rename-command" => {
                let (from, to) = (&values[0], &values[1]);
                if from.is_empty() || to.is_empty() {
                    let bad = if to.is_empty() { to } else { from };
                    return Err(bad_arg(bad, option));
                }
                let (Ok(from_name), Ok(to_name)) =
                    (std::str::from_utf8(from), std::str::from_utf8(to))
                else {
                    let bad = if std::str::from_utf8(from).is_err() {
                        from
                    } else {
                        to
                    };
                    return Err(bad_arg(bad, option));
                };
                master.rename_command(from_name, to_name);
                return Ok((2, vec![text(from), text(to)]));
            }
            b"master-reboot-down-after-period" => {
                let n = parse_i64(v)
                    .filter(|n| *n >= 0)
                    .filter(in_file_range)
                    .ok_or_else(|| bad_arg(v, option))?;
                master.inst.master_reboot_down_after_ms = n as u64;
            }
            _ => return Err(unknown()),
        }
        Ok((1, shown))
    }

    /// Close the links of a master and its replicas so they reconnect with new
    /// credentials (`dropInstanceConnections`).
    pub(crate) fn drop_master_connections(&mut self, m: MasterKey) {
        let mut ids = vec![self.masters[m].inst.link];
        ids.extend(self.masters[m].replicas.values().map(|r| r.link));
        for id in ids {
            self.close_link(id);
        }
    }
}
