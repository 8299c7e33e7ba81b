#!/usr/bin/env bash
# Shared by scripts/start and scripts/test: small, idempotent steps that each say what is wrong.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say()  { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m!!\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31mxx\033[0m %s\n' "$*" >&2; exit 1; }

# How the API process runs (BENCHMARKS.md): an old-generation cap, and a young generation big
# enough that under a webhook storm fewer objects are promoted and full mark-compacts are rare
# (one every half second with V8's default).
api_node_flags() { echo "--max-old-space-size=${API_HEAP_MB:-384} --max-semi-space-size=${API_SEMI_SPACE_MB:-64}"; }

is_root() { [ "$(id -u)" = "0" ]; }
have() { command -v "$1" >/dev/null 2>&1; }

apt_install() {
  # Installs Debian packages when we can; otherwise says what to run.
  if is_root && have apt-get; then
    say "installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; } ||
      return 1
  else
    return 1
  fi
}

require_node() {
  have node || die "Node.js 20.19+ is required (https://nodejs.org or your package manager)."
  local major minor
  major=$(node -p 'process.versions.node.split(".")[0]')
  minor=$(node -p 'process.versions.node.split(".")[1]')
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    die "Node.js $(node -v) is too old: 20.19 or newer is required."
  fi
}

ensure_deps() {
  require_node
  local stamp=node_modules/.package-lock.json
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
    say "installing dependencies (npm ci)"
    # --include=dev: building needs TypeScript even where NODE_ENV=production (the benchmarks).
    if ! npm ci --include=dev --no-audit --no-fund --loglevel=error >/tmp/crm-npm-ci.log 2>&1; then
      # Some registry mirrors omit other platforms' optional packages (e.g. @swc/core-darwin-*)
      # from the lock file, which makes `npm ci` refuse it; a plain install of the locked tree works.
      if grep -q 'Missing: .* from lock file' /tmp/crm-npm-ci.log; then
        warn "npm ci refused the lock file (optional packages of other platforms missing); using npm install"
        npm install --include=dev --no-save --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true
      else
        grep -v 'Unknown user config' /tmp/crm-npm-ci.log >&2
      fi
    fi
    [ -f "$stamp" ] || die "installing dependencies failed; see the output above."
  fi
}

# Loads .env (if any) without overriding what the environment already says.
load_env() {
  if [ -f .env ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
      local key="${line%%=*}" value="${line#*=}"
      key="$(echo "$key" | xargs)"
      value="${value%\"}"; value="${value#\"}"
      [ -z "${!key+x}" ] && export "$key=$value"
    done < .env
  fi
  return 0
}

url_host() { node -e 'const u=new URL(process.argv[1]); console.log(u.hostname||"127.0.0.1")' "$1"; }
url_port() { node -e 'const u=new URL(process.argv[1]); console.log(u.port||process.argv[2])' "$1" "$2"; }
url_db()   { node -e 'const u=new URL(process.argv[1]); console.log(u.pathname.slice(1)||"postgres")' "$1"; }

pg_answers() { pg_isready -q -h "$1" -p "$2" -t 2 2>/dev/null || node -e '
  const s=require("net").connect(+process.argv[2], process.argv[1]); s.on("connect",()=>process.exit(0)); s.on("error",()=>process.exit(1)); setTimeout(()=>process.exit(1),2000);' "$1" "$2"; }

redis_answers() { node -e '
  const s=require("net").connect(+process.argv[2], process.argv[1]); s.write("PING\r\n");
  s.on("data",d=>process.exit(String(d).startsWith("+PONG")?0:1)); s.on("error",()=>process.exit(1)); setTimeout(()=>process.exit(1),2000);' "$1" "$2"; }

local_host() { [ "$1" = "127.0.0.1" ] || [ "$1" = "localhost" ] || [ "$1" = "::1" ]; }

compose_hint="or run them in containers: docker compose -f docker/docker-compose.yml up -d postgres redis"

ensure_postgres() {
  local url="$1" host port
  host=$(url_host "$url"); port=$(url_port "$url" 5432)
  pg_answers "$host" "$port" && return 0
  if local_host "$host"; then
    if ! have pg_ctlcluster && ! have pg_ctl; then
      apt_install postgresql postgresql-contrib || die "PostgreSQL is not installed and could not be installed here.
   Install it (Debian: sudo apt-get install postgresql postgresql-contrib), $compose_hint"
    fi
    say "starting PostgreSQL"
    if have pg_ctlcluster && [ -d /etc/postgresql ]; then
      for v in /etc/postgresql/*; do pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start 2>/dev/null || true; done
    elif have service; then service postgresql start >/dev/null 2>&1 || true
    fi
    for _ in $(seq 1 30); do pg_answers "$host" "$port" && return 0; sleep 1; done
  fi
  die "PostgreSQL does not answer at $host:$port. Start it (Debian: sudo pg_ctlcluster 15 main start), $compose_hint"
}

ensure_redis() {
  local url="$1" host port
  host=$(url_host "$url"); port=$(url_port "$url" 6379)
  redis_answers "$host" "$port" && return 0
  if local_host "$host"; then
    have redis-server || apt_install redis-server || die "Redis is not installed and could not be installed here.
   Install it (Debian: sudo apt-get install redis-server), $compose_hint"
    say "starting Redis"
    mkdir -p /tmp/crm-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir /tmp/crm-redis >/dev/null
    for _ in $(seq 1 20); do redis_answers "$host" "$port" && return 0; sleep 0.5; done
  fi
  die "Redis does not answer at $host:$port. Start it (redis-server --daemonize yes), $compose_hint"
}

# Drops the database of $1 if it exists (closing its sessions), so ensure_database makes it anew.
drop_database() {
  local url="$1" admin
  admin=$(node -e 'const u=new URL(process.argv[1]); u.pathname="/postgres"; console.log(u.toString())' "$url")
  node -e '
    const { Client } = require("pg");
    (async () => {
      const c = new Client({ connectionString: process.argv[1] });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${process.argv[2].replace(/"/g, "")}" WITH (FORCE)`);
      await c.end();
    })().catch((e) => { console.error("cannot drop database: " + e.message); process.exit(1); });
  ' "$admin" "$(url_db "$url")"
}

ensure_database() {
  local url="$1" db admin
  db=$(url_db "$url")
  admin=$(node -e 'const u=new URL(process.argv[1]); u.pathname="/postgres"; console.log(u.toString())' "$url")
  node -e '
    const { Client } = require("pg");
    (async () => {
      const c = new Client({ connectionString: process.argv[1] });
      await c.connect();
      const r = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [process.argv[2]]);
      if (r.rowCount === 0) { await c.query(`CREATE DATABASE "${process.argv[2].replace(/"/g, "")}"`); console.log("created database " + process.argv[2]); }
      await c.end();
    })().catch((e) => { console.error("cannot create database: " + e.message); process.exit(1); });
  ' "$admin" "$db"
}

ensure_compose_tool() {
  have docker-compose && return 0
  apt_install docker-compose && have docker-compose && return 0
  return 1
}
