# expect_report.cmake - run one command and hold its report and exit status.
#
#   cmake -DCMD=prog|arg|... -DRC=N -DREGEX=... [-DREGEX2=...] [-DREGEX3=...]
#         [-DNOT_REGEX=...] [-DMAX_SECONDS=N] [-DENV_HB_SEED=...] -P expect_report.cmake
#
# CMD separates its arguments with '|' (a CMake list would be split by
# add_test).  The test passes when the exit status is RC, the combined output
# matches every REGEX* and not NOT_REGEX, and the run took at most
# MAX_SECONDS (whole seconds).  The output is printed either way.
string(REPLACE "|" ";" cmd "${CMD}")
if(DEFINED ENV_HB_SEED)
  set(ENV{HB_SEED} "${ENV_HB_SEED}")
endif()
string(TIMESTAMP t0 "%s" UTC)
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(TIMESTAMP t1 "%s" UTC)
math(EXPR took "${t1} - ${t0}")
set(all "${out}${err}")
message("${all}")
set(problems "")
if(NOT "${rc}" STREQUAL "${RC}")
  string(APPEND problems "exit status ${rc}, expected ${RC}\n")
endif()
foreach(var REGEX REGEX2 REGEX3)
  if(DEFINED ${var} AND NOT all MATCHES "${${var}}")
    string(APPEND problems "the report does not match ${var}: ${${var}}\n")
  endif()
endforeach()
if(DEFINED NOT_REGEX AND all MATCHES "${NOT_REGEX}")
  string(APPEND problems "the report matches NOT_REGEX: ${NOT_REGEX}\n")
endif()
if(DEFINED MAX_SECONDS AND took GREATER MAX_SECONDS)
  string(APPEND problems "the run took ${took} s, more than ${MAX_SECONDS} s\n")
endif()
if(problems)
  message(FATAL_ERROR "${problems}")
endif()
