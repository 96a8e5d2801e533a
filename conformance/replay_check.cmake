# replay_check.cmake - a failing case writes a replay file that is shorter
# than what the case did and replays to the same failure.
#
#   cmake -DCONF=prog|args... -DHEAP=NAME -DCASE=GROUP.CASE -DDIR=DIR -P replay_check.cmake
#
# 1. CONF --heap HEAP --case CASE --replay-dir DIR must fail (status 1) and
#    name its replay file, N operations shrunk from M, with N < M;
# 2. the file must hold N operations;
# 3. CONF --replay FILE --heap HEAP must fail (status 1) with the same first
#    failure line as the case, numbers and addresses aside;
# 4. a malformed replay file is an error (status 2) naming its line.
string(REPLACE "|" ";" conf "${CONF}")
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")

function(run out_var rc_var)
  execute_process(COMMAND ${conf} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("$ ${ARGN}\n${out}${err}")
  set(${out_var} "${out}${err}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
endfunction()

# The first line under a case line: "    FAIL (...): ...", "    CRASH: ...", ...
function(first_failure text var)
  if(NOT text MATCHES "\n    ((FAIL|EXIT|CRASH|TIMEOUT|SANITIZER)[^\n]*)")
    message(FATAL_ERROR "no failure line in the report")
  endif()
  string(REGEX REPLACE "0x[0-9a-f]+|[0-9]+" "N" masked "${CMAKE_MATCH_1}")
  set(${var} "${masked}" PARENT_SCOPE)
endfunction()

run(out rc --heap ${HEAP} --case ${CASE} --replay-dir ${DIR})
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "the case exited with ${rc}, expected 1")
endif()
first_failure("${out}" case_failure)
if(NOT out MATCHES "replay: hb_conformance --replay ([^ \n]+) --heap ${HEAP} \\(([0-9]+) operations, shrunk from ([0-9]+) by")
  message(FATAL_ERROR "the report names no shrunk replay file")
endif()
set(path "${CMAKE_MATCH_1}")
set(kept "${CMAKE_MATCH_2}")
set(recorded "${CMAKE_MATCH_3}")
if(NOT kept LESS recorded)
  message(FATAL_ERROR "the replay file keeps ${kept} of ${recorded} operations: not shorter")
endif()
file(STRINGS "${path}" lines REGEX "^[a-z]")
list(FILTER lines EXCLUDE REGEX "^seed ")
list(LENGTH lines nlines)
if(NOT nlines EQUAL kept)
  message(FATAL_ERROR "${path} holds ${nlines} operations; the report says ${kept}")
endif()

run(out rc --replay ${path} --heap ${HEAP})
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "the replay exited with ${rc}, expected 1")
endif()
first_failure("${out}" replay_failure)
if(NOT replay_failure STREQUAL case_failure)
  message(FATAL_ERROR "the replay fails differently:\n  case:   ${case_failure}\n  replay: ${replay_failure}")
endif()
message("replay: ${kept} of ${recorded} operations, same failure: ${case_failure}")

# A malformed replay file is a usage error naming the file and the line.
file(WRITE "${DIR}/malformed.txt"
  "seed 1\nsetup initial 65536 max 0 arena 0 placement contiguous checked 1\nalloc #1 24 x \"t\"\n")
run(out rc --replay ${DIR}/malformed.txt --heap ${HEAP})
if(NOT rc EQUAL 2 OR NOT out MATCHES "malformed.txt:3: alloc wants: alloc #ID SIZE ALIGN \"tag\"\\|-")
  message(FATAL_ERROR "a malformed replay file: exit ${rc}, or no message naming its line 3")
endif()
