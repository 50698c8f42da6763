#!/bin/sh
# Container entrypoint for rsentinel. On the first start of a volume it writes
# sentinel.conf from environment variables (see contrib/docker/README section in
# docs/operations.md); afterwards the file in the volume is the state rsentinel rewrote
# (myid, epochs, known replicas and sentinels) and is used as it is.
#
# Environment (defaults in brackets):
#   RSENTINEL_CONF                 config file [/data/sentinel.conf]
#   SENTINEL_PORT                  port [26379]
#   SENTINEL_MASTER_NAME           master name [mymaster]
#   SENTINEL_MASTER_HOST           master host name or address (required on first start)
#   SENTINEL_MASTER_PORT           [6379]
#   SENTINEL_QUORUM                [2]
#   SENTINEL_DOWN_AFTER_MS         [5000]
#   SENTINEL_FAILOVER_TIMEOUT_MS   [60000]
#   SENTINEL_ANNOUNCE_HOSTNAME     name other sentinels and clients use for this one
#                                  (enables resolve-hostnames/announce-hostnames)
#   SENTINEL_AUTH_PASS             password of the monitored redis servers
#   RSENTINEL_METRICS_PORT         metrics port, 0 = off [0]
#   RSENTINEL_METRICS_BIND         [0.0.0.0]
#   RSENTINEL_LOG_FORMAT           redis or json [redis]
#   RSENTINEL_RESOLVE_WAIT         seconds to wait for the master's name to resolve [60]
#   RSENTINEL_BIN                  the binary [rsentinel]
# Extra arguments are passed to rsentinel (e.g. --loglevel verbose).
set -eu

conf="${RSENTINEL_CONF:-/data/sentinel.conf}"
bin="${RSENTINEL_BIN:-rsentinel}"

die() { echo "rsentinel-entrypoint: $*" >&2; exit 64; }

# Values end up in the config file: only plain words are accepted, so no value can
# add or change another directive.
word() {
  case "$2" in
    ''|*[!A-Za-z0-9._:-]*) die "$1 must be a non-empty word of A-Z a-z 0-9 . _ : - (got '$2')" ;;
  esac
}
number() {
  case "$2" in
    ''|*[!0-9]*) die "$1 must be a number (got '$2')" ;;
  esac
}

template() {
  host="${SENTINEL_MASTER_HOST:-}"
  [ -n "$host" ] || die "SENTINEL_MASTER_HOST is required to create $conf"
  word SENTINEL_MASTER_HOST "$host"
  name="${SENTINEL_MASTER_NAME:-mymaster}"; word SENTINEL_MASTER_NAME "$name"
  mport="${SENTINEL_MASTER_PORT:-6379}"; number SENTINEL_MASTER_PORT "$mport"
  port="${SENTINEL_PORT:-26379}"; number SENTINEL_PORT "$port"
  quorum="${SENTINEL_QUORUM:-2}"; number SENTINEL_QUORUM "$quorum"
  down="${SENTINEL_DOWN_AFTER_MS:-5000}"; number SENTINEL_DOWN_AFTER_MS "$down"
  fto="${SENTINEL_FAILOVER_TIMEOUT_MS:-60000}"; number SENTINEL_FAILOVER_TIMEOUT_MS "$fto"
  mtport="${RSENTINEL_METRICS_PORT:-0}"; number RSENTINEL_METRICS_PORT "$mtport"
  mtbind="${RSENTINEL_METRICS_BIND:-0.0.0.0}"; word RSENTINEL_METRICS_BIND "$mtbind"
  fmt="${RSENTINEL_LOG_FORMAT:-redis}"
  case "$fmt" in redis|json) ;; *) die "RSENTINEL_LOG_FORMAT must be redis or json" ;; esac

  tmp="$conf.tmp.$$"
  {
    echo "# Written by rsentinel-entrypoint on first start; rsentinel rewrites it since."
    echo "port $port"
    echo "dir $(dirname "$conf")"
    if [ -n "${SENTINEL_ANNOUNCE_HOSTNAME:-}" ]; then
      word SENTINEL_ANNOUNCE_HOSTNAME "$SENTINEL_ANNOUNCE_HOSTNAME"
      echo "sentinel resolve-hostnames yes"
      echo "sentinel announce-hostnames yes"
      echo "sentinel announce-ip $SENTINEL_ANNOUNCE_HOSTNAME"
    fi
    echo "sentinel monitor $name $host $mport $quorum"
    echo "sentinel down-after-milliseconds $name $down"
    echo "sentinel failover-timeout $name $fto"
    if [ -n "${SENTINEL_AUTH_PASS:-}" ]; then
      word SENTINEL_AUTH_PASS "$SENTINEL_AUTH_PASS"
      echo "sentinel auth-pass $name $SENTINEL_AUTH_PASS"
    fi
    echo "log-format $fmt"
    echo "metrics-port $mtport"
    echo "metrics-bind $mtbind"
  } > "$tmp"
  mv "$tmp" "$conf"
}

# With resolve-hostnames a name that does not resolve yet is a config error: in a fresh
# compose project the master's container may still be starting.
wait_resolvable() {
  host=$1 left="${RSENTINEL_RESOLVE_WAIT:-60}"
  case "$host" in *[!0-9.:]*) ;; *) return 0 ;; esac
  while ! getent hosts "$host" >/dev/null 2>&1; do
    if [ "$left" -le 0 ]; then
      echo "rsentinel-entrypoint: $host does not resolve yet; starting anyway" >&2
      return 0
    fi
    left=$((left - 1))
    sleep 1
  done
}

if [ ! -s "$conf" ]; then
  template
fi
master_host=$(awk 'tolower($1)=="sentinel" && tolower($2)=="monitor" {print $4; exit}' "$conf")
[ -z "$master_host" ] || wait_resolvable "$master_host"
exec "$bin" "$conf" "$@"
