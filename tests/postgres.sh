#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on this machine, with no configuration of the machine's own.
#
#   tests/postgres.sh start [PID]    prints a connection string (Npgsql), e.g.
#                                    Host=/tmp/conveyor-pg.AbC;Port=41234;Username=postgres;Database=postgres
#                                    With a PID, the cluster also stops by itself once that process has exited (a test
#                                    process that started it and was killed before it could stop it).
#   tests/postgres.sh stop "<connection string>"
#                                    stops that cluster and deletes its directory
#
# start finds initdb and pg_ctl under /usr/lib/postgresql/*/bin (the newest), installs Debian's `postgresql` package
# with apt-get when there is none, runs initdb in a new temporary directory with trust authentication, and starts the
# server on a free localhost port with its unix socket in that directory (the connection string's Host, so that stop
# knows which cluster to stop). PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
}

# Runs a PostgreSQL program as the user the server runs as.
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

start() {
  local owner="${1:-}" bin dir port log connection
  bin=$(find_bin)
  if [ -z "$bin" ]; then
    echo "Installing PostgreSQL (Debian package postgresql) for the PostgreSQL tests..." >&2
    as_root apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(find_bin)
    [ -n "$bin" ] || { echo "postgres.sh: no initdb/pg_ctl under /usr/lib/postgresql/*/bin after installing postgresql" >&2; exit 1; }
  fi

  dir=$(mktemp -d /tmp/conveyor-pg.XXXXXX)
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  log="$dir/server.log"

  as_server_user "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }

  # A port found free can be taken before the server binds it: try a few.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 2>&1; then
      connection="Host=$dir;Port=$port;Username=postgres;Database=postgres"
      if [ -n "$owner" ]; then
        # Detached, with no inherited output, so that a caller reading this script's output is not kept waiting.
        setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; "$2" stop "$3"' _ "$owner" "$(readlink -f "$0")" "$connection" \
          </dev/null >/dev/null 2>&1 &
      fi
      echo "$connection"
      return 0
    fi
  done

  echo "postgres.sh: the server did not start; its log:" >&2
  cat "$log" >&2 || true
  rm -rf "$dir"
  exit 1
}

stop() {
  local connection="${1:?usage: postgres.sh stop \"<connection string>\"}" dir bin
  dir=$(sed -n 's/.*Host=\([^;]*\).*/\1/p' <<<"$connection")
  case "$dir" in
    /tmp/conveyor-pg.*) ;;
    *) echo "postgres.sh: '$connection' is not a cluster postgres.sh started" >&2; exit 1 ;;
  esac
  bin=$(find_bin)
  if [ -d "$dir/data" ] && [ -n "$bin" ]; then
    as_server_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start [PID] | stop \"<connection string>\"" >&2; exit 2 ;;
esac
