//! Listening sockets and accepting connections: `bind` and `port` as redis reads them,
//! protected mode and `maxclients` enforced at accept time with redis' exact replies.

use crate::clients::{Client, PeerAddr};
use crate::session;
use crate::state::Daemon;
use socket2::{Domain, Protocol as SockProto, Socket, Type};
use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::rc::Rc;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
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

/// Accepts connections forever on one listener; on the `tls-port` ones (`tls`) each
/// connection first completes a TLS handshake, in its own task so a slow peer never
/// holds up the others.
pub async fn accept_loop(daemon: Rc<RefCell<Daemon>>, listener: TcpListener, tls: bool) {
    // Handshakes under way count against `maxclients`, so a flood of connections that
    // never finish their handshake is bounded like one of clients.
    let handshaking = Rc::new(std::cell::Cell::new(0usize));
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
        let laddr = stream.local_addr().unwrap_or(peer);
        let fd = stream.as_raw_fd();
        let local = is_local(&peer);
        if !tls {
            admit(
                daemon.clone(),
                stream,
                PeerAddr::Tcp(peer),
                PeerAddr::Tcp(laddr),
                fd,
                local,
            )
            .await;
            continue;
        }
        let acceptor = {
            let mut d = daemon.borrow_mut();
            let full = d.clients.len() + handshaking.get() >= d.config.server.maxclients as usize;
            if full {
                d.stats.rejected();
            }
            match &d.tls {
                Some(t) if !full => t.acceptor(),
                _ => continue,
            }
        };
        let daemon = daemon.clone();
        let handshaking = handshaking.clone();
        handshaking.set(handshaking.get() + 1);
        tokio::task::spawn_local(async move {
            let handshake =
                tokio::time::timeout(crate::tls::HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
            handshaking.set(handshaking.get().saturating_sub(1));
            let error = match handshake {
                Ok(Ok(tls_stream)) => {
                    return admit(
                        daemon,
                        tls_stream,
                        PeerAddr::Tcp(peer),
                        PeerAddr::Tcp(laddr),
                        fd,
                        local,
                    )
                    .await
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => "TLS handshake timed out".to_string(),
            };
            daemon.borrow().log.verbose(&format!(
                "Error accepting a client connection: {error} (addr={peer} laddr={laddr})"
            ));
        });
    }
}

/// Creates the unix socket as redis does: a file left at the path (a stale socket) is
/// removed first, the socket is bound, then given `perm` (0 keeps the umask's mode).
/// Listening starts with [`start_listening_unix`]. Errors read like redis' `anet` ones.
pub fn bind_unix(path: &str, perm: u32) -> Result<Socket, String> {
    check_unix_path(path)?;
    let _ = std::fs::remove_file(path);
    let sock = Socket::new(Domain::UNIX, Type::STREAM, None)
        .map_err(|e| format!("socket: {}", crate::os_error::strerror(&e)))?;
    let addr = socket2::SockAddr::unix(path)
        .map_err(|e| format!("bind: {}", crate::os_error::strerror(&e)))?;
    sock.bind(&addr)
        .map_err(|e| format!("bind: {}", crate::os_error::strerror(&e)))?;
    if perm != 0 {
        use std::os::unix::fs::PermissionsExt;
        // As redis' chmod(), whose result is not checked.
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm));
    }
    sock.set_nonblocking(true)
        .map_err(|e| format!("fcntl: {}", crate::os_error::strerror(&e)))?;
    Ok(sock)
}

/// What can be checked of a unix socket path without touching it (a running Sentinel
/// may be serving on it): its length, and that its directory exists.
pub fn check_unix_path(path: &str) -> Result<(), String> {
    // sockaddr_un.sun_path holds 108 bytes with the terminating NUL.
    const SUN_PATH: usize = 108;
    if path.len() > SUN_PATH - 1 {
        return Err(format!(
            "unix socket path too long ({}), must be under {SUN_PATH}",
            path.len()
        ));
    }
    let dir = match std::path::Path::new(path).parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(format!(
            "bind: {}",
            crate::os_error::strerror(&std::io::Error::from_raw_os_error(libc::ENOTDIR))
        )),
        Err(e) => Err(format!("bind: {}", crate::os_error::strerror(&e))),
    }
}

/// Starts accepting on a bound unix socket.
pub fn start_listening_unix(sock: Socket, backlog: u32) -> std::io::Result<UnixListener> {
    sock.listen(backlog.min(i32::MAX as u32) as i32)?;
    UnixListener::from_std(std::os::unix::net::UnixListener::from(
        std::os::fd::OwnedFd::from(sock),
    ))
}

/// Accepts connections forever on the unix socket at `path`. Such clients are local:
/// protected mode never refuses them.
pub async fn accept_loop_unix(daemon: Rc<RefCell<Daemon>>, listener: UnixListener, path: String) {
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                daemon
                    .borrow()
                    .log
                    .warning(&format!("Accepting client connection: {e}"));
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let fd = stream.as_raw_fd();
        let addr = PeerAddr::Unix(path.clone());
        admit(daemon.clone(), stream, addr.clone(), addr, fd, true).await;
    }
}

async fn admit<S>(
    daemon: Rc<RefCell<Daemon>>,
    mut stream: S,
    peer: PeerAddr,
    laddr: PeerAddr,
    fd: i32,
    local: bool,
) where
    S: AsyncRead + AsyncWrite + Unpin + 'static,
{
    let reject = {
        let mut d = daemon.borrow_mut();
        if d.clients.len() >= d.config.server.maxclients as usize {
            d.stats.rejected();
            Some("-ERR max number of clients reached\r\n")
        } else if d.config.server.protected_mode && d.acl.default_is_nopass() && !local {
            d.stats.rejected();
            Some(DENIED)
        } else {
            None
        }
    };
    if let Some(msg) = reject {
        tokio::task::spawn_local(async move {
            let _ = stream.write_all(msg.as_bytes()).await;
            let _ = stream.flush().await;
        });
        return;
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let id = {
        let mut d = daemon.borrow_mut();
        d.stats.accepted();
        let id = d.clients.next_id();
        let authenticated = !d.acl.default_requires_auth();
        d.clients
            .insert(Client::new(id, peer.clone(), laddr, fd, authenticated, tx));
        match &peer {
            PeerAddr::Tcp(a) => d.log.verbose(&format!("Accepted {a}")),
            PeerAddr::Unix(path) => d.log.verbose(&format!("Accepted connection to {path}")),
        }
        id
    };
    tokio::task::spawn_local(session::run(daemon, stream, id, rx));
}
