# cmake -DBUILD_DIR=<build> -DPREFIX=<dir> -DCONFIG=<cfg> -DLIBDIR=<rel> -DINCLUDEDIR=<rel>
#       -DSHARED=<ON|OFF> -P install_prefix.cmake
#
# Installs the build into a fresh PREFIX (a stale prefix could hide a missing file, or hold a
# libprsm.so next to a new libprsm.a) and checks that the package's files are all there.
foreach(var BUILD_DIR PREFIX LIBDIR INCLUDEDIR SHARED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_prefix.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${PREFIX}")
set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${result})")
endif()

set(missing "")
foreach(file
    ${INCLUDEDIR}/prsm/prsm.h
    ${INCLUDEDIR}/prsm/export.h
    ${INCLUDEDIR}/prsm/version.h
    ${LIBDIR}/cmake/prsm/prsmConfig.cmake
    ${LIBDIR}/cmake/prsm/prsmConfigVersion.cmake
    ${LIBDIR}/cmake/prsm/prsmTargets.cmake
    ${LIBDIR}/pkgconfig/prsm.pc)
  if(NOT EXISTS "${PREFIX}/${file}")
    list(APPEND missing "${file}")
  endif()
endforeach()

# Exactly one kind of library: the one this build makes.
file(GLOB shared_libs "${PREFIX}/${LIBDIR}/libprsm*.so*")
file(GLOB static_libs "${PREFIX}/${LIBDIR}/libprsm*.a")
if(SHARED)
  if(NOT shared_libs)
    list(APPEND missing "${LIBDIR}/libprsm.so")
  endif()
  if(static_libs)
    message(FATAL_ERROR "a shared build installed a static library too: ${static_libs}")
  endif()
else()
  if(NOT static_libs)
    list(APPEND missing "${LIBDIR}/libprsm.a")
  endif()
  if(shared_libs)
    message(FATAL_ERROR "a static build installed a shared library too: ${shared_libs}")
  endif()
endif()

# Nothing but prsm's own files: no test programs, third-party headers or targets.
file(GLOB_RECURSE installed RELATIVE "${PREFIX}" "${PREFIX}/*")
set(unexpected "")
foreach(file IN LISTS installed)
  if(NOT file MATCHES "^(${INCLUDEDIR}/prsm/|${LIBDIR}/(cmake/prsm/|pkgconfig/prsm\\.pc$|libprsm)|bin/prsm|share/(doc/)?prsm/)")
    list(APPEND unexpected "${file}")
  endif()
endforeach()

if(missing)
  list(JOIN missing "\n  " missing)
  message(FATAL_ERROR "missing from the installed package:\n  ${missing}")
endif()
if(unexpected)
  list(JOIN unexpected "\n  " unexpected)
  message(FATAL_ERROR "unexpected files in the installed package:\n  ${unexpected}")
endif()
list(LENGTH installed count)
message(STATUS "prsm installed into ${PREFIX} (${count} files)")
