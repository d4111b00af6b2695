#!/usr/bin/env bash
# Builds static archives of the two libraries whose Debian binary packages ship only shared ones,
# cpp-httplib and libzip, from Debian's own source packages (apt-get source: the archive's signed
# Sources index checks every file), into a prefix the static build links (CMakeLists.txt,
# OFFSTAGE_STATIC_DEPS; docs/benchmarks.md, "A static build").
#   scripts/static-deps.sh PREFIX      e.g. build/deps; does nothing if PREFIX is already built
# Each is configured as Debian configures it, except what the static build leaves out on purpose:
# libzip without a crypto backend (WinZip AES archives, which Lambda refuses too), so that neither
# library loads a second, shared libcrypto beside the static one the binary links.
set -euo pipefail
prefix=$(realpath -m "${1:?usage: scripts/static-deps.sh PREFIX}")
stamp=$prefix/.built-v2
[[ -f $stamp ]] && exit 0
work=$prefix/src
rm -rf "$prefix"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$prefix/include" "$prefix/lib"

# Debian's deb-src entries, in a private apt state so the machine's sources stay as they were.
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
cat >"$work/sources.list" <<EOF
deb-src http://deb.debian.org/debian $codename main
deb-src http://deb.debian.org/debian $codename-updates main
deb-src http://deb.debian.org/debian-security $codename-security main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/none"
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -qq)
apt-get "${apt_opts[@]}" update
(cd "$work" && apt-get "${apt_opts[@]}" source cpp-httplib libzip >/dev/null 2>"$work/source.log") \
  || { cat "$work/source.log" >&2; exit 1; }

# cpp-httplib: Debian splits httplib.h into a header and one source file (its split.py) and
# builds that with OpenSSL, zlib and Brotli and -DCPPHTTPLIB_USE_POLL (debian/rules, meson.build).
httplib=$(find "$work" -maxdepth 1 -type d -name 'cpp-httplib-*' | head -n 1)
python3 "$httplib/split.py" --out "$work/httplib-split" >/dev/null
cp "$work/httplib-split/httplib.h" "$prefix/include/httplib.h"
# One change to Debian's source: no OpenSSL initialisation at load. httplib.cc's static SSLInit
# calls OPENSSL_init_ssl with every error string at start-up (1.7 MiB of idle RSS measured in a
# static binary, docs/benchmarks.md); OpenSSL initialises itself at the first SSL_CTX_new, which
# only an HTTPS delivery calls, and offstage reads no OpenSSL error string.
grep -qx 'static SSLInit sslinit_;' "$work/httplib-split/httplib.cc" \
  || { echo "static-deps.sh: httplib.cc no longer has its SSLInit: review the change" >&2; exit 1; }
sed -i 's|^static SSLInit sslinit_;$|// offstage: no SSLInit at load (scripts/static-deps.sh)|' \
  "$work/httplib-split/httplib.cc"
# CMakeLists.txt passes the same definitions to every file that includes it (the classes'
# layout depends on them), as Debian's pkg-config file does.
defines=(-DCPPHTTPLIB_OPENSSL_SUPPORT -DCPPHTTPLIB_ZLIB_SUPPORT -DCPPHTTPLIB_BROTLI_SUPPORT
         -DCPPHTTPLIB_USE_POLL)
g++ -std=c++17 -O2 -g -fPIC -flto=auto -ffat-lto-objects -ffunction-sections -fdata-sections \
    "${defines[@]}" -I"$work/httplib-split" -c "$work/httplib-split/httplib.cc" -o "$work/httplib.o"
gcc-ar rcs "$prefix/lib/libcpp-httplib.a" "$work/httplib.o"

# libzip: Debian's CMake build, static, with bzip2 and zlib as Debian has them.
libzip=$(find "$work" -maxdepth 1 -type d -name 'libzip-*' | head -n 1)
cmake -S "$libzip" -B "$work/libzip-build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF \
      -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_C_FLAGS="-ffunction-sections -fdata-sections" \
      -DENABLE_COMMONCRYPTO=OFF -DENABLE_GNUTLS=OFF -DENABLE_MBEDTLS=OFF -DENABLE_OPENSSL=OFF \
      -DENABLE_WINDOWS_CRYPTO=OFF -DENABLE_LZMA=OFF -DENABLE_ZSTD=OFF -DBUILD_TOOLS=OFF \
      -DBUILD_REGRESS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_DOC=OFF -Wno-dev >"$work/libzip.log" 2>&1 \
  || { cat "$work/libzip.log" >&2; exit 1; }
cmake --build "$work/libzip-build" >>"$work/libzip.log" 2>&1 || { cat "$work/libzip.log" >&2; exit 1; }
cmake --install "$work/libzip-build" >/dev/null
touch "$stamp"
