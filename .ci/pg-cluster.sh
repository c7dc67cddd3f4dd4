#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (and for developers):
#   .ci/pg-cluster.sh install      install Debian's postgresql package when no server is found
#   .ci/pg-cluster.sh start DIR [--tls-only]
#                                  initdb + start on 127.0.0.1 (a free port, socket in DIR);
#                                  prints the admin URL (postgresql://postgres@127.0.0.1:PORT/postgres).
#                                  --tls-only: a certificate for 127.0.0.1 signed by a throwaway CA (DIR/ca.crt)
#                                  and TCP connections only over TLS (plain ones refused)
#   .ci/pg-cluster.sh stop DIR     stop it (the directory can then be removed)
# Runs the server as the `postgres` user when started as root (PostgreSQL refuses
# root). Durability is off (fsync, synchronous_commit): test data only.
set -euo pipefail

bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
    done
    if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then pg_config --bindir; return 0; fi
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then dirname "$(command -v initdb)"; return 0; fi
    return 1
}

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "${1:-}" in
install)
    if bindir >/dev/null; then exit 0; fi
    if [[ $(id -u) -ne 0 ]]; then echo "PostgreSQL is not installed; run: sudo apt-get install -y postgresql" >&2; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-upgrade postgresql >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-upgrade postgresql >/dev/null; }
    bindir >/dev/null
    ;;
start)
    dir=${2:?usage: pg-cluster.sh start DIR}
    bin=$(bindir) || { echo "no PostgreSQL server binaries found (.ci/pg-cluster.sh install)" >&2; exit 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres "$dir"
        # The server must be able to reach its directory.
        p=$dir; while [[ "$p" != / ]]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    extra=""
    if [[ "${3:-}" == "--tls-only" ]]; then
        # A throwaway CA (DIR/ca.crt: what sslrootcert names) and a server certificate
        # for 127.0.0.1 signed by it.
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=news-ingest test CA" \
            -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
        printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
            -days 2 -extfile "$dir/server.ext" -out "$dir/server.crt" >/dev/null 2>&1
        chmod 600 "$dir/server.key"
        [[ $(id -u) -eq 0 ]] && chown postgres "$dir/server.key" "$dir/server.crt"
        printf 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n' >"$dir/data/pg_hba.conf"
        [[ $(id -u) -eq 0 ]] && chown postgres "$dir/data/pg_hba.conf"
        extra="-c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c max_locks_per_transaction=256 $extra" \
        start >/dev/null
    echo "$port" >"$dir/port"
    for _ in $(seq 50); do pg_isready -q -h "$dir" -p "$port" && break; sleep 0.1; done
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    dir=${2:?usage: pg-cluster.sh stop DIR}
    bin=$(bindir) || exit 0
    [[ -d "$dir/data" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 install | start DIR [--tls-only] | stop DIR" >&2
    exit 2
    ;;
esac
