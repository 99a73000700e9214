#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster in a temporary folder, then stop it.
# PostgreSQL refuses to run as root, so as root the cluster runs as the unprivileged user "nobody".
set -euo pipefail
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  else
    echo "PostgreSQL server binaries not found. Install them with: sudo apt-get install postgresql" >&2
    exit 1
  fi
fi
dir=$(mktemp -d /tmp/trellis-pg.XXXXXX)
as_db_user=()
if [ "$(id -u)" = "0" ]; then
  chown nobody "$dir"
  as_db_user=(runuser -u nobody --)
fi
port=${TRELLIS_PG_PORT:-$(( 20000 + RANDOM % 20000 ))}
stop() {
  "${as_db_user[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as_db_user[@]}" "$pgbin/initdb" -D "$dir/data" -U trellis --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_db_user[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') running on port $port"
DATABASE_URL="postgres://trellis@127.0.0.1:$port/trellis" "$@"
