#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster on loopback for the tests.
#   scripts/pg-throwaway.sh start DIR PORT   -> prints the connection URL
#   scripts/pg-throwaway.sh stop DIR
# PostgreSQL refuses to run as root, so the cluster runs as the `postgres` user.
set -euo pipefail
action=$1 dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi; }
case "$action" in
  start)
    port=$3
    mkdir -p "$dir"
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_postgres "'$bin/initdb' -D '$dir/pg' -A trust -U postgres >'$dir/initdb.log' 2>&1"
    as_postgres "'$bin/pg_ctl' -D '$dir/pg' -o \"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" -l '$dir/server.log' -w start >/dev/null"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_postgres "'$bin/pg_ctl' -D '$dir/pg' -m fast -w stop >/dev/null" || true
    rm -rf "$dir"
    ;;
esac
