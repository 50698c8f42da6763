#!/bin/bash
# Captures the failover logs replayed by ../real.rs from the installed redis 7.0.15
# (redis-server, redis-sentinel, redis-cli), on loopback ports 27800-27849.
# Usage: capture.sh OUTDIR   (writes OUTDIR/<scenario>.txt; kills what it starts)
# redis walks replicas in a per-process random hash order, so which replica is
# reconfigured first varies between captures: reconf_stuck_all_slots_taken.txt is the
# stuck scenario captured with the plain replica reconfigured first.
set -eu
OUT=${1:?usage: capture.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# scenario NAME MASTER_PORT "REPLICA:KIND ..." "SENTINEL_PORTS" FAILOVER_TIMEOUT PARALLEL_SYNCS
# KIND: plain, prio<N>, announced-no, stuck (SLAVEOF renamed away), combined with '+'.
scenario() {
  local name=$1 mport=$2 reps=$3 sports=$4 ft=$5 ps=$6
  local d; d=$(mktemp -d)
  for spec in "$mport:master" $reps; do
    local p=${spec%%:*} kinds=${spec#*:} extra=""
    [ "$kinds" != master ] && extra="replicaof 127.0.0.1 $mport"
    for k in ${kinds//+/ }; do
      case $k in
        prio*) extra+=$'\n'"replica-priority ${k#prio}" ;;
        announced-no) extra+=$'\n'"replica-announced no" ;;
        stuck) extra+=$'\n''rename-command SLAVEOF ""' ;;
      esac
    done
    mkdir -p "$d/i$p"
    printf 'port %s\nbind 127.0.0.1\ndir %s\nsave ""\nlogfile %s/i%s.log\nrepl-diskless-sync-delay 0\n%s\n' \
      "$p" "$d/i$p" "$d" "$p" "$extra" > "$d/i$p/redis.conf"
    redis-server "$d/i$p/redis.conf" & PIDS+=($!)
  done
  sleep 1
  for p in $sports; do
    printf 'port %s\nbind 127.0.0.1\nlogfile %s/s%s.log\nsentinel monitor mym 127.0.0.1 %s 2\nsentinel down-after-milliseconds mym 2000\nsentinel failover-timeout mym %s\nsentinel parallel-syncs mym %s\n' \
      "$p" "$d" "$p" "$mport" "$ft" "$ps" > "$d/s$p.conf"
    redis-sentinel "$d/s$p.conf" & PIDS+=($!)
  done
  # Let the first INFO rounds discover every replica (INFO every 10 s).
  sleep 14
  local first=${sports%% *}
  redis-cli -p "$first" sentinel failover mym
  sleep $(( ft / 1000 + 10 ))
  # From the elected leader's first failover step to the switch or abort; role changes
  # are monitoring events, not the failover's.
  sed -n '/+failover-state-select-slave/,/+switch-master\|-failover-abort/p' "$d/s$first.log" \
    | cut -d' ' -f5- | grep -v 'role-change' > "$OUT/$name.txt"
  cleanup; PIDS=()
}

scenario priority_and_announced 27800 "27801:prio50 27802:prio10+announced-no 27803:prio20 27804:prio0" "27810 27811 27812" 30000 1
scenario reconf_stuck_until_failover_timeout 27820 "27821:prio10 27822:stuck 27823:stuck 27824:plain" "27830 27831 27832" 25000 2
scenario reconf_sent_timeout_resends 27840 "27841:prio10 27842:stuck 27843:plain" "27845 27846 27847" 60000 2
scenario promotion_timeout_aborts 27800 "27801:prio10+stuck 27802:plain" "27810 27811 27812" 5000 1
