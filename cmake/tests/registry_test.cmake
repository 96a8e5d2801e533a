# cmake -DMODE=<scan|clash|noname|badname> -P cmake/tests/registry_test.cmake
# Runs cmake/registry.cmake's scanner on the fixtures beside this file
# (C text named .c.txt, so that no tool takes them for sources).
# scan: the tables of scan_ok.c, exactly; the others end in the
# configure-time error that the registry test in CMakeLists.txt expects.
include("${CMAKE_CURRENT_LIST_DIR}/../registry.cmake")
set(dir "${CMAKE_CURRENT_LIST_DIR}")
if(MODE STREQUAL "scan")
  hb_scan_heaps(T "${dir}/scan_ok.c.txt")
  set(want_syms "alpha_ops;beta_ops")
  set(want_names "alpha-1;beta_2")
  if(NOT T_SYMBOLS STREQUAL want_syms OR NOT T_NAMES STREQUAL want_names)
    message(FATAL_ERROR "scan_ok.c.txt: found tables [${T_SYMBOLS}] named [${T_NAMES}]; "
      "want [${want_syms}] named [${want_names}]")
  endif()
  hb_check_heap_names("${T_SYMBOLS}" "${T_NAMES}" "${T_FILES}")
  message(STATUS "scan: ${T_SYMBOLS} = ${T_NAMES}")
elseif(MODE STREQUAL "clash")
  hb_scan_heaps(T "${dir}/scan_ok.c.txt" "${dir}/clash.c.txt")
  hb_check_heap_names("${T_SYMBOLS}" "${T_NAMES}" "${T_FILES}")
elseif(MODE STREQUAL "noname")
  hb_scan_heaps(T "${dir}/noname.c.txt")
elseif(MODE STREQUAL "badname")
  hb_scan_heaps(T "${dir}/badname.c.txt")
  hb_check_heap_names("${T_SYMBOLS}" "${T_NAMES}" "${T_FILES}")
else()
  message(FATAL_ERROR "registry_test.cmake: MODE must be scan, clash, noname or badname")
endif()
