# Every dependency comes from Debian 12 packages (scripts/install-deps.sh).
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS system json url)
find_package(Protobuf 3.21 REQUIRED)
find_package(ZLIB REQUIRED)
# libssl and libcrypto archives (OPENSSL_USE_STATIC_LIBS in StaticLinking.cmake); the static
# targets bring their own dependencies (threads, dl).
find_package(OpenSSL 3.0 REQUIRED)

# spdlog and fmt ship only shared libraries in Debian, so a static binary uses them header-only.
add_library(iof_logging INTERFACE)
target_compile_definitions(iof_logging INTERFACE SPDLOG_HEADER_ONLY SPDLOG_FMT_EXTERNAL
                                                 FMT_HEADER_ONLY=1)

# The ZooKeeper C client, multi-threaded flavour (libzookeeper-mt-dev): no CMake config and no
# .pc file. Debian builds it without OpenSSL and SASL, so it needs only libc and pthread.
find_path(ZOOKEEPER_INCLUDE_DIR zookeeper/zookeeper.h REQUIRED)
find_library(ZOOKEEPER_MT_LIBRARY NAMES zookeeper_mt REQUIRED)
add_library(ZooKeeper::zookeeper_mt UNKNOWN IMPORTED)
# THREADED declares the synchronous calls, which only this flavour of the library has.
set_target_properties(
  ZooKeeper::zookeeper_mt
  PROPERTIES IMPORTED_LOCATION ${ZOOKEEPER_MT_LIBRARY}
             INTERFACE_INCLUDE_DIRECTORIES ${ZOOKEEPER_INCLUDE_DIR}
             INTERFACE_COMPILE_DEFINITIONS THREADED)
target_link_libraries(ZooKeeper::zookeeper_mt INTERFACE Threads::Threads)
