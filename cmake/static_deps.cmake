# The static build (OFFSTAGE_STATIC_DEPS=PREFIX; scripts/build.sh): every library but glibc is
# linked in from a static archive, with link-time optimisation, and the linker drops the sections
# nothing uses. A dynamically linked daemon touched 12 MB of shared-library pages at start
# (libcrypto alone 3.2 MB, whatever was called): docs/benchmarks.md, "A static build".
#
# Defines the same targets the find_package/pkg-config calls in CMakeLists.txt define, so the
# layers (emulator/CMakeLists.txt) name their dependencies one way in both builds:
#   PkgConfig::HTTPLIB PkgConfig::LIBZIP PkgConfig::RE2 ZLIB::ZLIB SQLite::SQLite3 yaml-cpp
#   OpenSSL::Crypto OpenSSL::SSL
# cpp-httplib and libzip come from PREFIX (scripts/static-deps.sh builds them from Debian's source
# packages); the rest are the .a files of Debian's -dev packages.

set(OFFSTAGE_STATIC_DEPS_LIBDIR ${OFFSTAGE_STATIC_DEPS}/lib)
foreach(archive libcpp-httplib.a libzip.a)
  if(NOT EXISTS ${OFFSTAGE_STATIC_DEPS_LIBDIR}/${archive})
    message(FATAL_ERROR "${OFFSTAGE_STATIC_DEPS_LIBDIR}/${archive} is missing: run "
                        "scripts/static-deps.sh ${OFFSTAGE_STATIC_DEPS}")
  endif()
endforeach()

function(offstage_static_archive target name)
  find_library(OFFSTAGE_STATIC_${name} NAMES lib${name}.a REQUIRED NO_CACHE)
  add_library(${target} STATIC IMPORTED)
  set_target_properties(${target} PROPERTIES IMPORTED_LOCATION ${OFFSTAGE_STATIC_${name}})
endfunction()

offstage_static_archive(ZLIB::ZLIB z)
offstage_static_archive(offstage_static_bz2 bz2)
offstage_static_archive(offstage_static_brotlicommon brotlicommon)
offstage_static_archive(offstage_static_brotlidec brotlidec)
offstage_static_archive(offstage_static_brotlienc brotlienc)
set_property(TARGET offstage_static_brotlidec offstage_static_brotlienc
             PROPERTY INTERFACE_LINK_LIBRARIES offstage_static_brotlicommon)

set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL REQUIRED)
# A static libcrypto needs what its shared one would have brought along.
set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES
             Threads::Threads ${CMAKE_DL_LIBS})

offstage_static_archive(SQLite::SQLite3 sqlite3)
set_property(TARGET SQLite::SQLite3 PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads m
                                             ${CMAKE_DL_LIBS})
offstage_static_archive(yaml-cpp yaml-cpp)
offstage_static_archive(PkgConfig::RE2 re2)
set_property(TARGET PkgConfig::RE2 PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)

add_library(PkgConfig::LIBZIP STATIC IMPORTED)
set_target_properties(PkgConfig::LIBZIP PROPERTIES
  IMPORTED_LOCATION ${OFFSTAGE_STATIC_DEPS_LIBDIR}/libzip.a
  INTERFACE_INCLUDE_DIRECTORIES ${OFFSTAGE_STATIC_DEPS}/include
  INTERFACE_LINK_LIBRARIES "offstage_static_bz2;ZLIB::ZLIB")

# The definitions Debian builds its libcpp-httplib with (debian/rules, meson.build); every file
# that includes httplib.h gets them, since the classes' layout depends on them.
add_library(PkgConfig::HTTPLIB STATIC IMPORTED)
set_target_properties(PkgConfig::HTTPLIB PROPERTIES
  IMPORTED_LOCATION ${OFFSTAGE_STATIC_DEPS_LIBDIR}/libcpp-httplib.a
  INTERFACE_INCLUDE_DIRECTORIES ${OFFSTAGE_STATIC_DEPS}/include
  INTERFACE_COMPILE_DEFINITIONS
    "CPPHTTPLIB_OPENSSL_SUPPORT;CPPHTTPLIB_ZLIB_SUPPORT;CPPHTTPLIB_BROTLI_SUPPORT;CPPHTTPLIB_USE_POLL"
  INTERFACE_LINK_LIBRARIES
    "OpenSSL::SSL;OpenSSL::Crypto;ZLIB::ZLIB;offstage_static_brotlidec;offstage_static_brotlienc;Threads::Threads")

# Each function and object in its own section, so that --gc-sections drops what nothing calls,
# and the C++ runtime linked in. The executable stays position-independent (ASLR for its code,
# as Debian builds everything): a position-dependent one (OFFSTAGE_NO_PIE) has no relocations to
# apply at load and idles in 0.2 MiB less, measured, but puts all of the daemon's code at one
# known address for anyone who finds a memory bug in it (docs/benchmarks.md, docs/security.md).
option(OFFSTAGE_NO_PIE "A position-dependent executable: less idle RSS, no ASLR for its code" OFF)
if(OFFSTAGE_NO_PIE)
  set(CMAKE_POSITION_INDEPENDENT_CODE OFF)
  add_compile_options(-fno-pie)
  add_link_options(-no-pie)
else()
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_compile_options(-fPIE)
  # The 25,000 relative relocations as DT_RELR bitmaps (glibc 2.36, binutils 2.38): 6 KB for
  # the loader to read at start instead of a 600 KB table.
  add_link_options(-pie -Wl,-z,pack-relative-relocs)
endif()
add_compile_options(-ffunction-sections -fdata-sections)
add_link_options(-static-libstdc++ -static-libgcc -Wl,--gc-sections)

# Link-time optimisation of the daemon (OFFSTAGE_LTO): the layers' objects carry GCC's
# intermediate code beside machine code (fat), so the executable links across every layer and
# cpp-httplib while the unit tests, linked from the same objects, skip the LTO step.
option(OFFSTAGE_LTO "Link the daemon with link-time optimisation (static build only)" ON)
if(OFFSTAGE_LTO)
  add_compile_options(-flto=auto -ffat-lto-objects)
endif()
