# Package tests: prsm as a host project consumes it (cpp-anchors.md §3.6, fmt's find-package-test).
# include()d at the end of tests/CMakeLists.txt, so PROJECT_* and CMAKE_* are the top project's.
#
#   prsm_package_install            installs this build into <build>/_pkgtest/prefix (fixture)
#   prsm_package_headers            the installed headers include only the C++ standard library
#                                   and prsm's own headers (no curl/, rapidjson/, fmt/, ...)
#   prsm_package_find_package       builds and runs tests/package/find_package against the
#                                   prefix: find_package(prsm 0.1) + prsm::prsm, one real query
#   prsm_package_pkg_config         compiles, links and runs the same main.cpp with the flags of
#                                   `pkg-config --cflags --libs prsm`, with the compiler directly
#   prsm_package_add_subdirectory   builds and runs tests/package/add_subdirectory, which embeds
#                                   prsm's source tree and checks that only the library is built
#
# All carry the label `package` (`ctest -LE package` skips them). The consumers are built with
# this build's compiler, build type and sanitizer flags (a sanitized prsm needs a sanitized
# executable to link and run), so the asan/tsan presets also run them under the sanitizers.
# prsm_package_add_subdirectory compiles prsm a second time and so is the slow one: it follows
# BUILD_SHARED_LIBS and the build type but not PRSM_SANITIZE (it tests the embedding, not the
# code), and PRSM_PACKAGE_TEST_ADD_SUBDIRECTORY=OFF turns it off (the tsan preset does).

option(PRSM_PACKAGE_TESTS "Register prsm's package tests (install + consumer projects)" ON)
option(PRSM_PACKAGE_TEST_ADD_SUBDIRECTORY
  "Register prsm_package_add_subdirectory (compiles prsm a second time)" ON)
mark_as_advanced(PRSM_PACKAGE_TESTS PRSM_PACKAGE_TEST_ADD_SUBDIRECTORY)

if(NOT PRSM_PACKAGE_TESTS)
  return()
endif()

set(_prsm_pkg_dir ${CMAKE_CURRENT_LIST_DIR})
set(_prsm_pkg_work ${PROJECT_BINARY_DIR}/_pkgtest)
set(_prsm_pkg_prefix ${_prsm_pkg_work}/prefix)
if(BUILD_SHARED_LIBS)
  set(_prsm_pkg_shared ON)
else()
  set(_prsm_pkg_shared OFF)
endif()

# Flags every consumer is compiled and linked with: the user's, plus the sanitizers of this build.
set(_prsm_pkg_cxx_flags "${CMAKE_CXX_FLAGS}")
set(_prsm_pkg_link_flags "${CMAKE_EXE_LINKER_FLAGS}")
if(PRSM_SANITIZE)
  string(APPEND _prsm_pkg_cxx_flags
    " -fsanitize=${PRSM_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all")
  string(APPEND _prsm_pkg_link_flags " -fsanitize=${PRSM_SANITIZE}")
endif()
string(STRIP "${_prsm_pkg_cxx_flags}" _prsm_pkg_cxx_flags)
string(STRIP "${_prsm_pkg_link_flags}" _prsm_pkg_link_flags)

# Options for `ctest --build-and-test` consumers: same generator, compiler and build type.
set(_prsm_pkg_generator_args
  --build-generator ${CMAKE_GENERATOR}
  --build-makeprogram ${CMAKE_MAKE_PROGRAM}
  --build-noclean)
if(CMAKE_GENERATOR_PLATFORM)
  list(APPEND _prsm_pkg_generator_args --build-generator-platform ${CMAKE_GENERATOR_PLATFORM})
endif()
if(CMAKE_GENERATOR_TOOLSET)
  list(APPEND _prsm_pkg_generator_args --build-generator-toolset ${CMAKE_GENERATOR_TOOLSET})
endif()
set(_prsm_pkg_build_options
  -DCMAKE_BUILD_TYPE=$<CONFIG>
  -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
  "-DCMAKE_CXX_FLAGS=${_prsm_pkg_cxx_flags}"
  "-DCMAKE_EXE_LINKER_FLAGS=${_prsm_pkg_link_flags}"
  -DPRSM_EXPECTED_VERSION=${PROJECT_VERSION})
set(_prsm_pkg_launcher "")
if(CMAKE_CXX_COMPILER_LAUNCHER)  # ccache, when the developer uses it
  set(_prsm_pkg_launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}")
  list(APPEND _prsm_pkg_build_options ${_prsm_pkg_launcher})
endif()

# --- the installed tree --------------------------------------------------------------------------
if(PRSM_INSTALL)
  add_test(NAME prsm_package_install
    COMMAND ${CMAKE_COMMAND}
      -DBUILD_DIR=${PROJECT_BINARY_DIR}
      -DPREFIX=${_prsm_pkg_prefix}
      -DCONFIG=$<CONFIG>
      -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
      -DINCLUDEDIR=${CMAKE_INSTALL_INCLUDEDIR}
      -DSHARED=${_prsm_pkg_shared}
      -P ${_prsm_pkg_dir}/install_prefix.cmake)
  set_tests_properties(prsm_package_install PROPERTIES
    FIXTURES_SETUP prsm_package_prefix
    LABELS package
    TIMEOUT 300)

  add_test(NAME prsm_package_headers
    COMMAND ${CMAKE_COMMAND}
      -DINCLUDE_DIR=${_prsm_pkg_prefix}/${CMAKE_INSTALL_INCLUDEDIR}
      -P ${_prsm_pkg_dir}/check_headers.cmake)
  set_tests_properties(prsm_package_headers PROPERTIES
    FIXTURES_REQUIRED prsm_package_prefix
    LABELS package
    TIMEOUT 60)

  add_test(NAME prsm_package_find_package
    COMMAND ${CMAKE_CTEST_COMMAND}
      --build-and-test ${_prsm_pkg_dir}/find_package ${_prsm_pkg_work}/find_package
      ${_prsm_pkg_generator_args}
      --build-config $<CONFIG>
      --build-options
        ${_prsm_pkg_build_options}
        -DCMAKE_PREFIX_PATH=${_prsm_pkg_prefix}
        -DPRSM_EXPECTED_PREFIX=${_prsm_pkg_prefix}
      --test-command ${_prsm_pkg_work}/find_package/consumer)
  set_tests_properties(prsm_package_find_package PROPERTIES
    FIXTURES_REQUIRED prsm_package_prefix
    LABELS package
    TIMEOUT 600)

  find_program(PRSM_PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf)
  mark_as_advanced(PRSM_PKG_CONFIG_EXECUTABLE)
  if(PRSM_PKG_CONFIG_EXECUTABLE)
    add_test(NAME prsm_package_pkg_config
      COMMAND ${CMAKE_COMMAND}
        -DPKG_CONFIG=${PRSM_PKG_CONFIG_EXECUTABLE}
        -DPREFIX=${_prsm_pkg_prefix}
        -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
        -DCXX=${CMAKE_CXX_COMPILER}
        "-DCXX_FLAGS=${_prsm_pkg_cxx_flags}"
        "-DLINK_FLAGS=${_prsm_pkg_link_flags}"
        -DSOURCE=${_prsm_pkg_dir}/find_package/main.cpp
        -DWORK_DIR=${_prsm_pkg_work}/pkg_config
        -DEXPECTED_VERSION=${PROJECT_VERSION}
        -P ${_prsm_pkg_dir}/pkg_config_consumer.cmake)
    set_tests_properties(prsm_package_pkg_config PROPERTIES
      FIXTURES_REQUIRED prsm_package_prefix
      LABELS package
      TIMEOUT 300)
  else()
    message(STATUS "prsm: pkg-config not found; prsm_package_pkg_config is not registered")
  endif()
else()
  message(STATUS "prsm: PRSM_INSTALL is OFF; the install-based package tests are not registered")
endif()

# --- the source tree, embedded ------------------------------------------------------------------
if(PRSM_PACKAGE_TEST_ADD_SUBDIRECTORY)
  add_test(NAME prsm_package_add_subdirectory
    COMMAND ${CMAKE_CTEST_COMMAND}
      --build-and-test ${_prsm_pkg_dir}/add_subdirectory ${_prsm_pkg_work}/add_subdirectory
      ${_prsm_pkg_generator_args}
      --build-config $<CONFIG>
      --build-options
        -DCMAKE_BUILD_TYPE=$<CONFIG>
        -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
        "-DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS}"
        "-DCMAKE_EXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
        -DBUILD_SHARED_LIBS=${_prsm_pkg_shared}
        ${_prsm_pkg_launcher}
        -DPRSM_SOURCE_DIR=${PROJECT_SOURCE_DIR}
        -DPRSM_EXPECTED_VERSION=${PROJECT_VERSION}
      --test-command ${_prsm_pkg_work}/add_subdirectory/consumer)
  set_tests_properties(prsm_package_add_subdirectory PROPERTIES
    LABELS package
    TIMEOUT 1500)
endif()

unset(_prsm_pkg_dir)
unset(_prsm_pkg_work)
unset(_prsm_pkg_prefix)
unset(_prsm_pkg_shared)
unset(_prsm_pkg_cxx_flags)
unset(_prsm_pkg_link_flags)
unset(_prsm_pkg_generator_args)
unset(_prsm_pkg_build_options)
unset(_prsm_pkg_launcher)
