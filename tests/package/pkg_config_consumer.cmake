# cmake -DPKG_CONFIG=<exe> -DPREFIX=<dir> -DLIBDIR=<rel> -DCXX=<compiler> -DCXX_FLAGS=<flags>
#       -DLINK_FLAGS=<flags> -DSOURCE=<main.cpp> -DWORK_DIR=<dir> -DEXPECTED_VERSION=<x.y.z>
#       -P pkg_config_consumer.cmake
#
# A host without CMake: compiles, links and runs SOURCE with the compiler directly, using only
# what `pkg-config --cflags --libs prsm` says. The .pc file records the prefix it was configured
# for, so `prefix` is redefined to where the test installed it.
foreach(var PKG_CONFIG PREFIX LIBDIR CXX SOURCE WORK_DIR EXPECTED_VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "pkg_config_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
set(pkg_config "${PKG_CONFIG}" "--define-variable=prefix=${PREFIX}")

function(run_pkg_config out_var)
  execute_process(COMMAND ${pkg_config} ${ARGN} prsm
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE error
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "pkg-config ${ARGN} prsm failed (${result}):\n${error}")
  endif()
  set(${out_var} "${output}" PARENT_SCOPE)
endfunction()

run_pkg_config(version --modversion)
if(NOT version STREQUAL EXPECTED_VERSION)
  message(FATAL_ERROR "pkg-config reports prsm ${version}, expected ${EXPECTED_VERSION}")
endif()
run_pkg_config(cflags --cflags)
run_pkg_config(libs --libs)
message(STATUS "pkg-config --cflags prsm: ${cflags}")
message(STATUS "pkg-config --libs prsm:   ${libs}")

separate_arguments(cflag_list UNIX_COMMAND "${cflags}")
separate_arguments(lib_list UNIX_COMMAND "${libs}")
separate_arguments(cxx_flag_list UNIX_COMMAND "${CXX_FLAGS}")
separate_arguments(link_flag_list UNIX_COMMAND "${LINK_FLAGS}")

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(exe "${WORK_DIR}/consumer")
set(command "${CXX}" -std=c++17 ${cxx_flag_list} ${cflag_list}
  "-DPRSM_EXPECTED_VERSION=\"${EXPECTED_VERSION}\""
  "${SOURCE}" -o "${exe}"
  ${link_flag_list} ${lib_list} "-Wl,-rpath,${PREFIX}/${LIBDIR}")
list(JOIN command " " command_line)
message(STATUS "${command_line}")
execute_process(COMMAND ${command} WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "compiling or linking the pkg-config consumer failed (${result})")
endif()

execute_process(COMMAND "${exe}" WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the pkg-config consumer failed (${result})")
endif()
