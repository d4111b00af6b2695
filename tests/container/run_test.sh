#!/usr/bin/env bash
# Builds offstage's container image (the Dockerfile at the repo root) with podman and runs it for
# real: a Node and a Python function publish to a topic through the SDKs the image bundles, a worker
# subscribed to it runs, and the state survives a new container on the same volume.
#
#   bash tests/container/run_test.sh        (as root; ctest runs it as container/image)
#
# No Docker engine and no image registry are needed: the Debian base image the Dockerfile names is
# made with debootstrap and `podman import` (once; kept in the podman storage below), and podman
# runs with runc and explicit ulimits (containers.conf; see build-facts.md). Package installs in the
# build reach Debian's mirror and the npm registry.
#
# Environment:
#   OFFSTAGE_PODMAN_DIR      podman's storage, state and configuration: images, the layer cache,
#                            volumes (default /var/cache/offstage-podman; kept between runs)
#   OFFSTAGE_REBUILD_BASE=1  make the base image again even if it exists
#   OFFSTAGE_SKIP_CONTAINER_TEST=1   skip (exit 77)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
IMAGE=localhost/offstage:test
VOLUME=offstage-test-data
STATE=${OFFSTAGE_PODMAN_DIR:-/var/cache/offstage-podman}
RUN_ID=$$
C1=offstage-test-$RUN_ID-a
C2=offstage-test-$RUN_ID-b
TEST_START=$(date +%s%N)

say() { printf '== %s\n' "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

if [[ ${OFFSTAGE_SKIP_CONTAINER_TEST:-} == 1 ]]; then
  echo "skipped: OFFSTAGE_SKIP_CONTAINER_TEST=1"
  exit 77
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "skipped: the container test needs root (apt-get, debootstrap, rootful podman)"
  exit 77
fi

# --- tools --------------------------------------------------------------------------------------
missing=()
for tool in podman:podman runc:runc debootstrap:debootstrap curl:curl python3:python3; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
# Debian's AWS CLI v2 ignores AWS_ENDPOINT_URL, but --endpoint-url (used here) works with it.
command -v aws >/dev/null 2>&1 || missing+=(awscli)
if [[ ${#missing[@]} -gt 0 ]]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" containernetworking-plugins iptables >/dev/null
fi

# --- podman, configured here and nowhere else ---------------------------------------------------
# CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and CONTAINERS_REGISTRIES_CONF stand in for the files
# in /etc/containers and ~/.config/containers, and the directories are named on every call, so a
# machine's own podman setup does not matter (only policy.json comes from the podman package).
mkdir -p "$STATE"
cat >"$STATE/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$STATE/storage"
runroot = "$STATE/run"
EOF
cat >"$STATE/registries.conf" <<'EOF'
unqualified-search-registries = []
EOF
export CONTAINERS_CONF=$HERE/containers.conf
export CONTAINERS_STORAGE_CONF=$STATE/storage.conf
export CONTAINERS_REGISTRIES_CONF=$STATE/registries.conf
export TMPDIR=$STATE/tmp
mkdir -p "$TMPDIR"
pm() {
  podman --root "$STATE/storage" --runroot "$STATE/run" --tmpdir "$STATE/run/libpod" \
    --network-config-dir "$STATE/networks" "$@"
}
# podman's database remembers the directories it was made with; if they differ (another layout
# left in $STATE), only that database goes: it lists containers, and this test's are disposable.
if ! pm info >/dev/null 2>"$STATE/info.err"; then
  if grep -q "database configuration mismatch" "$STATE/info.err"; then
    say "podman's database in $STATE was made with other directories: starting a new one"
    rm -f "$STATE/storage/libpod/bolt_state.db"
  fi
  pm info >/dev/null || fail "podman does not work with the storage in $STATE"
fi
say "$(pm --version), storage $STATE"

WORK=$(mktemp -d "$TMPDIR/run.XXXXXX")
cleanup() {
  local status=$?
  set +e
  if [[ $status -ne 0 ]]; then
    for c in "$C1" "$C2"; do
      if pm container exists "$c" 2>/dev/null; then
        echo "--- podman logs $c (last 60 lines)"
        pm logs "$c" 2>&1 | tail -60
      fi
    done
  fi
  pm rm -f -t 2 "$C1" "$C2" >/dev/null 2>&1
  pm volume rm -f "$VOLUME" >/dev/null 2>&1
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT

# --- the base image: Debian from debootstrap, named as the Dockerfile's FROM -------------------
# The label marks images made by make_base; a new recipe (change the number) makes them again.
BASE_LABEL=org.offstage.test.base-recipe
BASE_RECIPE=1
make_base() { # NAME:TAG, e.g. docker.io/library/debian:trixie-slim
  local image=$1 suite=${1##*:}
  suite=${suite%-slim}
  local root=$WORK/rootfs-$suite
  say "making $image with debootstrap --variant=minbase $suite (once)"
  local t0
  t0=$(date +%s%N)
  debootstrap --variant=minbase "$suite" "$root" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; fail "debootstrap $suite failed"; }
  # What Debian's own -slim images do (debuerreotype): no docs, man pages or translations from
  # later installs, no apt caches, and the release's updates and security suites.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/usr/share/info/* \
    "$root"/var/log/*.log "$root"/var/log/apt/*
  tar -C "$root" -c . | pm import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' --change "LABEL $BASE_LABEL=$BASE_RECIPE" - "$image" >"$WORK/import.log" 2>&1 ||
    { cat "$WORK/import.log"; fail "podman import of $image failed"; }
  rm -rf "$root"
  say "made $image in $(ms_since "$t0") ms"
}
mapfile -t bases < <(sed -nE 's/^FROM[[:space:]]+(docker\.io\/library\/debian:[a-z]+(-slim)?)([[:space:]].*)?$/\1/p' \
  "$REPO/Dockerfile" | sort -u)
[[ ${#bases[@]} -gt 0 ]] || fail "no docker.io/library/debian base image named in the Dockerfile"
for base in "${bases[@]}"; do
  if [[ ${OFFSTAGE_REBUILD_BASE:-} == 1 ]] || ! pm image exists "$base" ||
    [[ $(pm image inspect --format "{{index .Labels \"$BASE_LABEL\"}}" "$base") != "$BASE_RECIPE" ]]; then
    make_base "$base"
  else
    say "base image $base is there ($(pm image inspect --format '{{.Created}}' "$base" | cut -c1-19))"
  fi
done

# --- build --------------------------------------------------------------------------------------
BUILD_LOG=$STATE/last-build.log
say "podman build --pull=never -t $IMAGE $REPO (log: $BUILD_LOG)"
build_args=(--pull=never --format docker --layers -t "$IMAGE" -f "$REPO/Dockerfile")
# The machine's CA bundle reaches npm as a build secret, for networks that inspect TLS.
[[ -s /etc/ssl/certs/ca-certificates.crt ]] &&
  build_args+=(--secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt)
t0=$(date +%s%N)
if ! pm build "${build_args[@]}" "$REPO" >"$BUILD_LOG" 2>&1; then
  tail -80 "$BUILD_LOG"
  fail "podman build failed"
fi
BUILD_MS=$(ms_since "$t0")
steps=$(grep -c '^\[[0-9]*/[0-9]*\] STEP' "$BUILD_LOG" || true)
cached=$(grep -c '^--> Using cache' "$BUILD_LOG" || true)
say "built in $((BUILD_MS / 1000)) s ($cached of $steps steps from the layer cache)"
# Old layer-cache images pile up as the sources change: drop the unused ones older than a day.
pm image prune -f --filter until=24h >/dev/null 2>&1 || true

IMAGE_BYTES=$(pm image inspect --format '{{.Size}}' "$IMAGE")
[[ $(pm image inspect --format '{{.Config.User}}' "$IMAGE") == 10001:10001 ]] ||
  fail "the image does not run as the offstage user (10001)"
pm image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q /_offstage/health ||
  fail "the image has no HEALTHCHECK on /_offstage/health"

# --- run ----------------------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
ENDPOINT=http://127.0.0.1:$PORT
PROJECT=$HERE/project

# Starts a container; prints nothing, sets HEALTHY_MS (podman run → /_offstage/health answers).
start() { # NAME, then the command for the image
  local name=$1 t0
  shift
  t0=$(date +%s%N)
  pm run -d --name "$name" -p "127.0.0.1:$PORT:4566" -v "$VOLUME:/var/lib/offstage" \
    -v "$PROJECT:/project:ro" "$IMAGE" "$@" >/dev/null 2>"$WORK/run.err" ||
    { cat "$WORK/run.err"; fail "podman run $name failed"; }
  RUN_MS=$(ms_since "$t0")
  local deadline=$((SECONDS + 30)) tries=0
  until curl -sf -o /dev/null --max-time 1 "$ENDPOINT/_offstage/health"; do
    if ((++tries % 50 == 0)); then # not every time: podman inspect takes longer than a poll
      [[ $(pm inspect --format '{{.State.Running}}' "$name") == true ]] || fail "$name exited before it was healthy"
      ((SECONDS < deadline)) || fail "$name did not answer /_offstage/health within 30 s"
    fi
    sleep 0.01
  done
  HEALTHY_MS=$(ms_since "$t0")
  # The image's own HEALTHCHECK, run by podman inside the container.
  pm healthcheck run "$name" >/dev/null 2>&1 || fail "podman healthcheck run $name: not healthy"
}

json() { # FILE PYTHON-EXPRESSION over `d`: prints the value (JSON for containers)
  python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))
EOF
}

awsc() {
  env -u AWS_PROFILE -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_SNS -u AWS_ENDPOINT_URL_LAMBDA \
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER= \
    aws --endpoint-url "$ENDPOINT" --output json "$@"
}

invoke() { # FUNCTION PAYLOAD → $WORK/FUNCTION.out; fails on a function error
  local fn=$1
  printf '%s' "$2" >"$WORK/payload.json"
  awsc lambda invoke --function-name "$fn" --payload "fileb://$WORK/payload.json" \
    "$WORK/$fn.out" >"$WORK/$fn.meta" || fail "aws lambda invoke $fn failed"
  if grep -q FunctionError "$WORK/$fn.meta"; then
    cat "$WORK/$fn.meta" "$WORK/$fn.out"
    echo
    pm exec "$C1" offstage logs "$fn" 2>/dev/null | tail -20 || true
    fail "$fn returned an error"
  fi
  say "$fn answered $(cat "$WORK/$fn.out")"
}

# Waits until the trace is quiescent (GET /_offstage/traces/ID, from outside) into FILE.
wait_trace() { # TRACE_ID FILE
  local deadline=$((SECONDS + 60))
  while :; do
    curl -sf "$ENDPOINT/_offstage/traces/$1" -o "$2" || fail "GET /_offstage/traces/$1 failed"
    [[ $(json "$2" 'd["quiescent"]') == true ]] && return 0
    ((SECONDS < deadline)) || fail "trace $1 still has work running after 60 s"
    sleep 0.1
  done
}

# Newest trace whose root is NAME (GET /_offstage/traces, from outside).
trace_of() { # ROOT_NAME
  curl -sf "$ENDPOINT/_offstage/traces?limit=50" -o "$WORK/traces.json" || fail "GET /_offstage/traces failed"
  json "$WORK/traces.json" "next((t['trace_id'] for t in d['traces'] if t['root_name'] == '$1'), '')"
}

# The trace in FILE must hold a successful invocation of the worker.
expect_worker_ran() { # FILE WHAT
  [[ $(json "$1" "any(s['kind'] == 'invocation' and s['name'] == 'worker' and s['status'] == 'success' for s in d['spans'])") == true ]] ||
    fail "$2: the trace has no successful worker invocation: $(cat "$1")"
}

pm rm -f -t 0 "$C1" "$C2" >/dev/null 2>&1 || true
pm volume rm -f "$VOLUME" >/dev/null 2>&1 || true
pm volume create "$VOLUME" >/dev/null

say "podman run $C1: serve --config /project/offstage.json on $ENDPOINT"
start "$C1" serve --config /project/offstage.json
FIRST_RUN_MS=$RUN_MS
FIRST_HEALTHY_MS=$HEALTHY_MS
say "healthy ${HEALTHY_MS} ms after podman run (podman run itself: ${RUN_MS} ms)"
curl -sf "$ENDPOINT/_offstage/health" -o "$WORK/health.json"
[[ $(json "$WORK/health.json" 'd["data_dir"]') == /var/lib/offstage ]] ||
  fail "serve --config lost the image's --data-dir default: $(cat "$WORK/health.json")"
[[ $(json "$WORK/health.json" 'd["counts"]["functions"]') == 3 ]] ||
  fail "the config's 3 functions are not there: $(cat "$WORK/health.json")"
[[ $(pm exec "$C1" id -u) == 10001 ]] || fail "the daemon does not run as uid 10001"
# The dashboard is inside the binary: nothing beside it in the image serves it.
curl -sf "$ENDPOINT/_offstage/" -o "$WORK/dashboard.html" || fail "GET /_offstage/ failed"
grep -q '/_offstage/ui/app.js' "$WORK/dashboard.html" || fail "the dashboard page is not served"
curl -sf "$ENDPOINT/_offstage/ui/app.js" -o /dev/null || fail "the dashboard's script is not served"
say "the dashboard is served from the image's binary"

say "aws: create-topic, subscribe, create-function from the mounted directory and from a zip"
awsc sns create-topic --name cli-topic >"$WORK/topic.json" || fail "aws sns create-topic failed"
CLI_TOPIC=$(json "$WORK/topic.json" 'd["TopicArn"]')
awsc sns subscribe --topic-arn "$CLI_TOPIC" --protocol lambda \
  --notification-endpoint arn:aws:lambda:us-east-1:000000000000:function:worker >/dev/null ||
  fail "aws sns subscribe failed"
awsc lambda create-function --function-name cli-python --runtime python3.13 --handler app.handler \
  --role arn:aws:iam::000000000000:role/any --timeout 10 \
  --code S3Bucket=hot-reload,S3Key=/project/front-python >/dev/null || fail "aws lambda create-function failed"
# Uploaded code is extracted into the volume (so the daemon's user must be able to write there).
python3 - "$PROJECT/worker" "$WORK/worker.zip" <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w") as z:
    for name in os.listdir(sys.argv[1]):
        z.write(os.path.join(sys.argv[1], name), name)
EOF
awsc lambda create-function --function-name zip-worker --runtime nodejs22.x --handler index.handler \
  --role arn:aws:iam::000000000000:role/any --zip-file "fileb://$WORK/worker.zip" >/dev/null ||
  fail "aws lambda create-function --zip-file failed"

# Node: a plain require of @aws-sdk/client-sns, found through NODE_PATH.
invoke front-node '{"case":"node"}'
[[ -n $(json "$WORK/front-node.out" 'd.get("messageId") or ""') ]] || fail "front-node did not publish"
[[ $(json "$WORK/front-node.out" 'd["nodePath"]') == /opt/nodejs/node_modules ]] ||
  fail "handlers do not get NODE_PATH=/opt/nodejs/node_modules"
[[ $(json "$WORK/front-node.out" 'd["node"]') == v2[2-9].* ]] || fail "node is older than 22"
# The CI check of docs/ci.md, inside the container: the worker ran after front-node returned.
say "podman exec $C1 offstage trace --last --wait --assert-offloaded"
pm exec "$C1" offstage trace --last --wait --timeout 60 --assert-offloaded --width 110 ||
  fail "offstage trace --assert-offloaded failed for front-node"
pm exec "$C1" offstage trace --last --format json >"$WORK/trace-node.json" || fail "offstage trace --format json failed"
[[ $(json "$WORK/trace-node.json" 'd["root"]["name"]') == front-node ]] || fail "the last trace is not front-node's"
expect_worker_ran "$WORK/trace-node.json" front-node

# Python: boto3, through the python3 the shim runs; its trace read over HTTP from outside.
for fn in front-python cli-python; do
  invoke "$fn" "{\"case\":\"$fn\"}"
  [[ -n $(json "$WORK/$fn.out" 'd.get("messageId") or ""') ]] || fail "$fn did not publish"
  trace=$(trace_of "$fn")
  [[ -n $trace ]] || fail "no trace with $fn at its root in GET /_offstage/traces"
  wait_trace "$trace" "$WORK/trace-$fn.json"
  expect_worker_ran "$WORK/trace-$fn.json" "$fn"
  say "$fn: $(json "$WORK/trace-$fn.json" 'd["verdict"]')"
done

# The zip's ES module imports the SDK from the volume's code directory: /node_modules finds it.
invoke zip-worker '{}'
[[ $(json "$WORK/zip-worker.out" 'd["sdk"]') == function ]] || fail "zip-worker could not import the SDK"

# A publish from outside to the topic made with the AWS CLI.
awsc sns publish --topic-arn "$CLI_TOPIC" --message '{"case":"cli"}' >"$WORK/publish.json" ||
  fail "aws sns publish failed"
trace=$(trace_of cli-topic)
[[ -n $trace ]] || fail "no trace for the publish to cli-topic"
wait_trace "$trace" "$WORK/trace-cli.json"
expect_worker_ran "$WORK/trace-cli.json" "aws sns publish"

pm exec "$C1" offstage logs worker >"$WORK/worker.log" || fail "offstage logs worker failed"
for from in '"from":"node"' '"from": "python"' '{"case":"cli"}'; do
  grep -qF "$from" "$WORK/worker.log" || fail "the worker's log has no message with $from"
done
say "the worker got 4 messages (node, python twice, aws sns publish)"

say "podman stop $C1"
# (podman's healthcheck timers need systemd; without it podman says so on stderr, harmlessly: the
# test runs the image's HEALTHCHECK itself with `podman healthcheck run`.)
pm stop -t 10 "$C1" >/dev/null 2>"$WORK/stop.err" || { cat "$WORK/stop.err"; fail "podman stop $C1 failed"; }
code=$(pm inspect --format '{{.State.ExitCode}}' "$C1")
[[ $code == 0 ]] || fail "$C1 exited with $code on SIGTERM"

# --- a new container on the same volume, without --config: everything comes from the volume ----
say "podman run $C2 (the image's default command) on volume $VOLUME"
start "$C2"
say "healthy ${HEALTHY_MS} ms after podman run"
awsc sns list-topics >"$WORK/topics.json" || fail "aws sns list-topics failed"
for name in jobs cli-topic; do
  [[ $(json "$WORK/topics.json" "any(t['TopicArn'].endswith(':$name') for t in d['Topics'])") == true ]] ||
    fail "topic $name did not survive the restart: $(cat "$WORK/topics.json")"
done
awsc lambda list-functions >"$WORK/functions.json" || fail "aws lambda list-functions failed"
for name in worker front-node front-python cli-python zip-worker; do
  [[ $(json "$WORK/functions.json" "any(f['FunctionName'] == '$name' for f in d['Functions'])") == true ]] ||
    fail "function $name did not survive the restart"
done
awsc sns list-subscriptions-by-topic --topic-arn "$CLI_TOPIC" >"$WORK/subs.json" ||
  fail "aws sns list-subscriptions-by-topic failed"
[[ $(json "$WORK/subs.json" "any(s['Endpoint'].endswith(':worker') for s in d['Subscriptions'])") == true ]] ||
  fail "the subscription of worker to cli-topic did not survive the restart"
[[ -n $(trace_of front-node) ]] || fail "the traces did not survive the restart"
invoke cli-python '{"case":"after restart"}'
invoke zip-worker '{}'
say "topics, subscriptions, functions (and the zip's code) and traces survived"

# --- figures ------------------------------------------------------------------------------------
echo
echo "image $IMAGE: $IMAGE_BYTES bytes ($(((IMAGE_BYTES + 500000) / 1000000)) MB)"
echo "start to healthy: ${FIRST_HEALTHY_MS} ms (podman run returned after ${FIRST_RUN_MS} ms); restart on the volume: ${HEALTHY_MS} ms"
echo "build: $((BUILD_MS / 1000)) s ($cached of $steps steps cached); whole test: $(($(ms_since "$TEST_START") / 1000)) s"
echo "PASS: the image builds, serves, runs Node and Python handlers with the bundled SDKs, and keeps its state"
