# cmake -DTESSERA_BUILD_DIR=.. -DSAMPLE_SOURCE_DIR=.. -DWORK_DIR=.. -DGENERATOR=.. -P check_installed_sdk.cmake
#
# 1. cmake --install the Tessera build into WORK_DIR/prefix;
# 2. configure and build the sample plugin with only -DCMAKE_PREFIX_PATH=<prefix>;
# 3. the installed bin/tessera must list its "nop" compressor from the sample's
#    build folder, and the installed jsonl plugin from <prefix> (the default
#    folder next to the installed library);
# 4. after installing the sample, the installed tessera finds it with no
#    --plugin-path at all.
cmake_minimum_required(VERSION 3.25)

foreach(var TESSERA_BUILD_DIR SAMPLE_SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_installed_sdk.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(sample_build "${WORK_DIR}/sample-build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
# Only the folders given on the command line and the installed default may count.
unset(ENV{TESSERA_PLUGIN_PATH})

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

run("install" ${CMAKE_COMMAND} --install "${TESSERA_BUILD_DIR}" --prefix "${prefix}")
run("configure the sample" ${CMAKE_COMMAND} -S "${SAMPLE_SOURCE_DIR}" -B "${sample_build}" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_INSTALL_PREFIX=${prefix}")
run("build the sample" ${CMAKE_COMMAND} --build "${sample_build}")

set(tessera "${prefix}/bin/tessera")
if(NOT EXISTS "${tessera}")
  message(FATAL_ERROR "the install has no ${tessera}")
endif()

# Fails unless the JSON from `tessera plugins --json` lists <kind> <name> from
# a file under <folder>, and records no problem with any file under <folder>.
function(expect_component json kind name folder)
  string(JSON count LENGTH "${json}" components)
  set(found "")
  if(count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      string(JSON k GET "${json}" components ${i} kind)
      string(JSON n GET "${json}" components ${i} name)
      string(JSON f GET "${json}" components ${i} file)
      if(k STREQUAL kind AND n STREQUAL name)
        set(found "${f}")
      endif()
    endforeach()
  endif()
  file(REAL_PATH "${folder}" real_folder)
  string(FIND "${found}" "${real_folder}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "expected ${kind} '${name}' from ${real_folder}, found '${found}':\n${json}")
  endif()
  string(JSON problems LENGTH "${json}" problems)
  if(problems GREATER 0)
    math(EXPR last "${problems} - 1")
    foreach(i RANGE ${last})
      string(JSON f GET "${json}" problems ${i} file)
      string(FIND "${f}" "${real_folder}/" at)
      if(at EQUAL 0)
        message(FATAL_ERROR "a plugin file under ${real_folder} was refused:\n${json}")
      endif()
    endforeach()
  endif()
endfunction()

run("tessera plugins --plugin-path" "${tessera}" plugins --json --plugin-path "${sample_build}")
expect_component("${run_output}" compressor nop "${sample_build}")
expect_component("${run_output}" format jsonl "${prefix}")

run("install the sample" ${CMAKE_COMMAND} --install "${sample_build}")
run("tessera plugins" "${tessera}" plugins --json)
expect_component("${run_output}" compressor nop "${prefix}")

# 5. without its plugin folder, the installed library reports that folder as
#    missing and never loads the build tree's plugins instead.
file(GLOB plugin_dir LIST_DIRECTORIES true "${prefix}/lib*/tessera/plugins" "${prefix}/lib/*/tessera/plugins")
if(NOT plugin_dir)
  message(FATAL_ERROR "no tessera/plugins folder under ${prefix}")
endif()
file(RENAME "${plugin_dir}" "${plugin_dir}.away")
execute_process(COMMAND "${tessera}" plugins --json OUTPUT_VARIABLE run_output ERROR_VARIABLE err)
file(RENAME "${plugin_dir}.away" "${plugin_dir}")
file(REAL_PATH "${TESSERA_BUILD_DIR}" real_build)
string(FIND "${run_output}" "${real_build}/lib/tessera/plugins" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "the installed tessera searched the build tree:\n${run_output}")
endif()
string(JSON count LENGTH "${run_output}" components)
if(NOT count EQUAL 0)
  message(FATAL_ERROR "components loaded with no plugin folder:\n${run_output}")
endif()

message(STATUS "installed SDK: sample plugin built and listed")
