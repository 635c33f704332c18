# Strict warnings for our own code only; generated protobuf code and system headers are exempt.
function(iof_enable_warnings target)
  target_compile_options(
    ${target}
    PRIVATE -Wall
            -Wextra
            -Wpedantic
            -Wshadow
            -Wnon-virtual-dtor
            -Wold-style-cast
            -Wcast-align
            -Woverloaded-virtual
            -Wconversion
            -Wsign-conversion
            -Wdouble-promotion
            -Wformat=2
            -Wimplicit-fallthrough
            # Mesos marks FrameworkInfo.role and Resource.role deprecated, yet a framework
            # without the MULTI_ROLE capability (the seed's protocol) must use them.
            -Wno-deprecated-declarations)
  if(IOF_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
