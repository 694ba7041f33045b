# PRSM_SANITIZE="address,undefined" or "thread": instruments every prsm target of this build
# (library, tests, tools). Set through the asan/tsan presets, not by hand.
function(prsm_enable_sanitizers target)
  if(PRSM_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${PRSM_SANITIZE} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang" AND PRSM_SANITIZE MATCHES "undefined")
      # Third-party code we cannot fix: see the list.
      target_compile_options(${target} PRIVATE
        -fsanitize-ignorelist=${CMAKE_CURRENT_FUNCTION_LIST_DIR}/sanitizer-ignorelist.txt)
    endif()
    target_link_options(${target} PRIVATE -fsanitize=${PRSM_SANITIZE})
  endif()
endfunction()

# C++20 coroutine targets (prsm/coro.h users): clang 14's UBSan function check cannot compile
# coroutine frames ("Cannot represent a difference across sections"), so it is off for them;
# every other UBSan check and ASan stay on.
function(prsm_coroutine_sanitizer_workaround target)
  if(PRSM_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang" AND PRSM_SANITIZE MATCHES "undefined")
    target_compile_options(${target} PRIVATE -fno-sanitize=function)
  endif()
endfunction()
