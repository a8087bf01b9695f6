# Warnings used for every target of the project.
set(NMX_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition
  -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2
  -Wundef -Wnull-dereference -Wdouble-promotion)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  list(APPEND NMX_WARNINGS -Wno-format-truncation) # snprintf truncation is deliberate where used
endif()
if(NMX_WERROR)
  list(APPEND NMX_WARNINGS -Werror)
endif()

# nmx_target_defaults(<target>): warnings + include paths for project code.
function(nmx_target_defaults tgt)
  target_compile_options(${tgt} PRIVATE ${NMX_WARNINGS})
  target_compile_definitions(${tgt} PRIVATE _GNU_SOURCE NMX_BUILDING_LIBRARY)
  target_include_directories(${tgt}
    PUBLIC  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
            $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
endfunction()
