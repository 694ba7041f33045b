# cmake -DINCLUDE_DIR=<prefix>/include -P check_headers.cmake
#
# The public headers are the contract (cpp-anchors.md §3.7 rule 1): an installed prsm header may
# include the C++ standard library and prsm's own headers, nothing else. A third-party include
# (curl/, rapidjson/, fmt/) would make every host depend on that library's headers; a platform
# header (<sys/epoll.h>) would tie the API to one OS.
if(NOT DEFINED INCLUDE_DIR)
  message(FATAL_ERROR "check_headers.cmake: -DINCLUDE_DIR=... is required")
endif()

file(GLOB_RECURSE headers "${INCLUDE_DIR}/prsm/*")
if(NOT headers)
  message(FATAL_ERROR "no headers under ${INCLUDE_DIR}/prsm")
endif()

set(third_party "")
set(non_standard "")
foreach(header IN LISTS headers)
  file(RELATIVE_PATH name "${INCLUDE_DIR}" "${header}")
  file(STRINGS "${header}" lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "#[ \t]*include[ \t]*([<\"])([^>\"]+)[>\"]")
      list(APPEND non_standard "${name}: ${line}")  # a computed #include
      continue()
    endif()
    set(included "${CMAKE_MATCH_2}")
    if(included MATCHES "^(curl|rapidjson|fmt|nghttp2|openssl|catch2)/")
      list(APPEND third_party "${name}: ${line}")
    elseif(NOT included MATCHES "^prsm/" AND NOT included MATCHES "^[a-z_]+$")
      # Not prsm's, and not a standard header name (<vector>, <cstdint>, <string_view>).
      list(APPEND non_standard "${name}: ${line}")
    endif()
  endforeach()
endforeach()

set(report "")
if(third_party)
  list(JOIN third_party "\n  " list)
  string(APPEND report "third-party includes in installed headers:\n  ${list}\n")
endif()
if(non_standard)
  list(JOIN non_standard "\n  " list)
  string(APPEND report "includes that are neither standard C++ nor prsm/:\n  ${list}\n")
endif()
if(report)
  message(FATAL_ERROR "${report}")
endif()
list(LENGTH headers count)
message(STATUS "${count} installed headers include only the standard library and prsm/")
