# Heaps from outside the project: plug-ins (HB_PLUGIN) and the examples.
#
# A plug-in is a list of .c files and folders (a folder stands for every .c
# file directly in it), relative to HB_PLUGIN_BASE (tools/configure.sh sets
# it to the folder `make` was started from).  Its sources are compiled as
# someone else's code: GNU C (gnu11), the project's warnings shown but not
# fatal, no POSIX feature macro, and only the interface on the include path
# (HB_INTERFACE_DIR holds heapbench/heap.h, heapbench/arch.h and
# heapbench/adapter.h, copied from heaps/ and arch/, and nothing else, so a
# plug-in's own tlsf.c or heap.h is never shadowed).  HB_PLUGIN_STRICT=ON
# compiles it as the project's own code instead (C11, -Werror -Wpedantic).
# HB_PLUGIN_CFLAGS adds the plug-in's include folders and defines; relative
# -I paths start from HB_PLUGIN_BASE too.

set(HB_INTERFACE_DIR "${PROJECT_BINARY_DIR}/interface")
foreach(header heaps/heap.h heaps/adapter.h arch/arch.h)
  get_filename_component(base "${header}" NAME)
  configure_file("${PROJECT_SOURCE_DIR}/${header}" "${HB_INTERFACE_DIR}/heapbench/${base}" COPYONLY)
endforeach()

# hb_resolve_plugin(<out-var> <paths...>): the plug-in's .c files, absolute.
function(hb_resolve_plugin out)
  set(sources "")
  foreach(path IN LISTS ARGN)
    get_filename_component(abs "${path}" ABSOLUTE BASE_DIR "${HB_PLUGIN_BASE}")
    if(IS_DIRECTORY "${abs}")
      file(GLOB found CONFIGURE_DEPENDS "${abs}/*.c")
      if(NOT found)
        message(FATAL_ERROR "PLUGIN: the folder ${path} (${abs}) holds no .c file")
      endif()
      list(SORT found)
      list(APPEND sources ${found})
    elseif(NOT EXISTS "${abs}")
      message(FATAL_ERROR "PLUGIN: ${path}: no such file or folder (looked for ${abs})")
    elseif(NOT abs MATCHES "\\.c$")
      message(FATAL_ERROR "PLUGIN: ${path} is not a C source (.c): name the .c files, or their folder")
    else()
      list(APPEND sources "${abs}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES sources)
  set(${out} "${sources}" PARENT_SCOPE)
endfunction()

# The flags in <cflags> (a command-line string) with relative paths after
# -I, -isystem, -iquote, -idirafter and -include made absolute.
function(_hb_plugin_flags out cflags)
  separate_arguments(words UNIX_COMMAND "${cflags}")
  set(flags "")
  set(path_next OFF)
  foreach(word IN LISTS words)
    if(path_next)
      get_filename_component(word "${word}" ABSOLUTE BASE_DIR "${HB_PLUGIN_BASE}")
      set(path_next OFF)
    elseif(word MATCHES "^(-I|-isystem|-iquote|-idirafter|-include)$")
      set(path_next ON)
    elseif(word MATCHES "^-I(.+)$")
      get_filename_component(dir "${CMAKE_MATCH_1}" ABSOLUTE BASE_DIR "${HB_PLUGIN_BASE}")
      set(word "-I${dir}")
    endif()
    list(APPEND flags "${word}")
  endforeach()
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()

# hb_add_heap_library(<target> <strict> <cflags> <sources...>)
function(hb_add_heap_library target strict cflags)
  add_library(${target} STATIC ${ARGN})
  target_include_directories(${target} PRIVATE "${HB_INTERFACE_DIR}")
  if(NOT strict)
    get_target_property(opts ${target} COMPILE_OPTIONS)
    list(REMOVE_ITEM opts -Werror -Wpedantic)
    set_property(TARGET ${target} PROPERTY COMPILE_OPTIONS ${opts})
    # The project's POSIX feature macro would hide glibc's defaults.
    target_compile_options(${target} PRIVATE -U_POSIX_C_SOURCE)
    set_property(TARGET ${target} PROPERTY C_EXTENSIONS ON)
  endif()
  _hb_plugin_flags(flags "${cflags}")
  target_compile_options(${target} PRIVATE ${flags})
endfunction()
