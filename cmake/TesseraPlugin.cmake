# tessera_add_plugin(<target> SOURCES <files...> [LIBRARIES <libs...>] [NO_INSTALL])
#
# Builds a Tessera plugin: a MODULE library that sees only the public SDK
# headers, hides every symbol but its BOOST_DLL_ALIAS entry point, and lands in
# the folder the loader searches by default. Usable in-tree and, through the
# installed package, by third-party plugin authors.
function(tessera_add_plugin target)
  cmake_parse_arguments(ARG "NO_INSTALL" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  if(TARGET Tessera::tessera)
    set(_sdk Tessera::tessera)
  else()
    set(_sdk tessera)
  endif()
  target_link_libraries(${target} PRIVATE ${_sdk} ${ARG_LIBRARIES})
  if(TARGET tessera_warnings)
    target_link_libraries(${target} PRIVATE tessera_warnings)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(DEFINED TESSERA_PLUGIN_BUILD_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${TESSERA_PLUGIN_BUILD_DIR}")
  endif()
  if(NOT ARG_NO_INSTALL AND DEFINED TESSERA_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${TESSERA_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
