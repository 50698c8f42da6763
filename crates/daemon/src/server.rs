//! Listening sockets and accepting connections: `bind` and `port` as redis reads them,
//! protected mode and `maxclients` enforced at accept time with redis' exact replies.

use crate::clients::Client;
use crate::session;
use crate::state::Daemon;
use socket2::{Domain, Protocol as SockProto, Socket, Type};
use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::Instant;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// One address to listen on; `optional` ones (a leading `-` in redis' bind syntax) may
/// fail to bind without aborting start-up.
#[derive(Debug, Clone, PartialEq)]
pub struct BindAddr {
    pub host: String,
    pub optional: bool,
}

/// The listen addresses for a `bind` setting; empty means redis' default `* -::*`.
pub fn bind_addrs(bind: &[String]) -> Vec<BindAddr> {
    let list: Vec<String> = if bind.is_empty() {
        vec!["*".into(), "-::*".into()]
    } else {
        bind.to_vec()
    };
    list.into_iter()
        .map(|b| match b.strip_prefix('-') {
            Some(rest) => BindAddr {
                host: rest.to_string(),
                optional: true,
            },
            None => BindAddr {
                host: b,
                optional: false,
            },
        })
        .collect()
}

/// Binds one socket (without listening yet). `*` is every IPv4 address, `::*` every IPv6
/// one. Binding first makes a busy port fail start-up early, as in redis, while
/// connections are only accepted by the kernel once [`start_listening`] runs: after the
/// config with a freshly generated myid is on disk.
pub fn bind(host: &str, port: u16) -> std::io::Result<Socket> {
    let ip: IpAddr = match host {
        "*" | "0.0.0.0" => IpAddr::from([0, 0, 0, 0]),
        "::*" | "::" => IpAddr::from([0u16; 8]),
        other => other.parse().map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "Invalid argument")
        })?,
    };
    let addr = SocketAddr::new(ip, port);
    let domain = if ip.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let sock = Socket::new(domain, Type::STREAM, Some(SockProto::TCP))?;
    if ip.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_reuse_address(true)?;
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    Ok(sock)
}

/// Starts accepting on a bound socket.
pub fn start_listening(sock: Socket, backlog: u32) -> std::io::Result<TcpListener> {
    sock.listen(backlog.min(i32::MAX as u32) as i32)?;
    TcpListener::from_std(sock.into())
}

fn is_local(addr: &SocketAddr) -> bool {
    match addr.ip() {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v| v.is_loopback()),
    }
}

/// Accepts connections forever on one listener.
pub async fn accept_loop(daemon: Rc<RefCell<Daemon>>, listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                daemon
                    .borrow()
                    .log
                    .warning(&format!("Accepting client connection: {e}"));
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let keepalive = daemon.borrow().config.server.tcp_keepalive;
        if keepalive > 0 {
            let ka =
                socket2::TcpKeepalive::new().with_time(std::time::Duration::from_secs(keepalive));
            let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&ka);
        }
        admit(daemon.clone(), stream, peer).await;
    }
}

async fn admit(daemon: Rc<RefCell<Daemon>>, mut stream: TcpStream, peer: SocketAddr) {
    let laddr = stream.local_addr().unwrap_or(peer);
    let reject = {
        let mut d = daemon.borrow_mut();
        if d.clients.len() >= d.config.server.maxclients as usize {
            d.stats.rejected_connections += 1;
            Some("-ERR max number of clients reached\r\n")
        } else if d.config.server.protected_mode && d.acl.default_is_nopass() && !is_local(&peer) {
            d.stats.rejected_connections += 1;
            Some(DENIED)
        } else {
            None
        }
    };
    if let Some(msg) = reject {
        tokio::task::spawn_local(async move {
            let _ = stream.write_all(msg.as_bytes()).await;
        });
        return;
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let id = {
        let mut d = daemon.borrow_mut();
        d.stats.connections_received += 1;
        let id = d.clients.next_id();
        let authenticated = !d.acl.default_requires_auth();
        let now = Instant::now();
        d.clients.map.insert(
            id,
            Client {
                id,
                addr: peer,
                laddr,
                fd: stream.as_raw_fd(),
                name: None,
                created: now,
                last_interaction: now,
                user: "default".into(),
                authenticated,
                protocol: rsentinel_resp::Protocol::Resp2,
                channels: Default::default(),
                patterns: Default::default(),
                last_cmd: None,
                reply_mode: crate::clients::ReplyMode::On,
                no_evict: false,
                tracking: false,
                pending_out: 0,
                soft_limit_since: None,
                closing: false,
                qbuf: 0,
                tx,
            },
        );
        d.log.verbose(&format!("Accepted {peer}"));
        id
    };
    tokio::task::spawn_local(session::run(daemon, stream, id, rx));
}
