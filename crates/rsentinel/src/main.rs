//! `rsentinel`: a drop-in replacement for `redis-sentinel`.
//! Usage: `rsentinel /etc/redis/sentinel.conf [--port 26380] [--directive value ...]`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    std::process::exit(rsentinel_daemon::main_entry(args));
}
