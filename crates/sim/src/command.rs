//! Running a `SENTINEL` command on a simulated core, as the daemon's dispatch does:
//! there is no DNS in the simulation (host names are IP literals) and no script exists.

use bytes::Bytes;
use rsentinel_core::{CommandEnv, Reply, Sentinel};

/// The simulation's name lookup: an IP literal, normalised; anything else is unknown.
pub fn resolve_ip_literal(host: &str) -> Option<String> {
    host.parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

/// `SENTINEL <args>` on `core` at its local time `now_ms`.
pub fn sentinel_command(core: &mut Sentinel, now_ms: u64, args: &[Bytes]) -> Reply {
    let no_scripts = |_: &str| false;
    let env = CommandEnv {
        now_ms,
        resolve: &resolve_ip_literal,
        script_ok: &no_scripts,
    };
    core.command(args, &env)
}
