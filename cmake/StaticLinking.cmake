# Fully static executables (libc included) so one binary runs in an empty container root.
# glibc's static getaddrinfo warning at link time is expected: its files and dns resolvers are
# built in. Do not add --fatal-warnings.
if(IOF_STATIC)
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  set(Boost_USE_STATIC_LIBS ON)
  set(Protobuf_USE_STATIC_LIBS ON)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  set(ZLIB_USE_STATIC_LIBS ON)
  add_link_options(-static -static-libgcc -static-libstdc++)
endif()

# Dead-code elimination keeps the static binaries small.
add_compile_options(-ffunction-sections -fdata-sections)
add_link_options(-Wl,--gc-sections)
