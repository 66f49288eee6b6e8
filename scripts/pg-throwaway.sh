#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on a free loopback port, from Debian's packages (installed when absent).
#   eval "$(scripts/pg-throwaway.sh start)"   # exports PG_THROWAWAY_DIR and PG_THROWAWAY_URL
#   scripts/pg-throwaway.sh stop "$PG_THROWAWAY_DIR"
# Durability is off (fsync, synchronous_commit): for tests and benchmarks only.
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

run_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    bin=$(pg_bin || true)
    if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; } >&2
      bin=$(pg_bin)
    fi
    dir=$(mktemp -d /tmp/parcelguard-pg.XXXXXX)
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    run_as_postgres "$bin/initdb" -D "$dir/data" -U parcelguard --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    run_as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
    echo "export PG_THROWAWAY_DIR=$dir PG_THROWAWAY_URL=postgres://parcelguard@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir=${2:?usage: pg-throwaway.sh stop DIR}
    run_as_postgres "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
