# Parser layer tests (docs/dissectors.md).
nmx_add_test(test_dissect_oracle SOURCES test_dissect_oracle.c LABELS dissect TIMEOUT 600)
nmx_add_test(test_propdb SOURCES test_propdb.c LABELS dissect)

# The registry's start-up checks, over a protocol table of the test's own:
# the parser core without the project's protocol list.
set(NMX_DISSECT_SRC ${PROJECT_SOURCE_DIR}/src/dissect)
add_executable(test_propdb_selfcheck test_propdb_selfcheck.c ${NMX_DISSECT_SRC}/dissect.c
               ${NMX_DISSECT_SRC}/propdb.c ${NMX_DISSECT_SRC}/handoff.c
               ${NMX_DISSECT_SRC}/proptext.c ${NMX_DISSECT_SRC}/ports.c
               ${NMX_DISSECT_SRC}/proto_frame.c)
nmx_target_defaults(test_propdb_selfcheck)
target_include_directories(test_propdb_selfcheck PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
find_package(Threads REQUIRED)
target_link_libraries(test_propdb_selfcheck PRIVATE PkgConfig::CMOCKA Threads::Threads)
add_test(NAME test_propdb_selfcheck COMMAND test_propdb_selfcheck)
set_tests_properties(test_propdb_selfcheck PROPERTIES TIMEOUT 60 LABELS dissect)

# Every parser cut at every byte of generated and real frames (under the
# ASan build, any read past the captured bytes is a finding).
nmx_add_test(test_dissect_trunc SOURCES test_dissect_trunc.c ${PROJECT_SOURCE_DIR}/cli/sample.c
             LABELS dissect TIMEOUT 900)
target_include_directories(test_dissect_trunc PRIVATE ${PROJECT_SOURCE_DIR}/cli)
nmx_add_test(test_dissect_texts SOURCES test_dissect_texts.c LABELS dissect)
