# Link layers, tunnels and Network Monitor records.
nmx_add_test(test_dissect_link SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dissect_link.c
             ${CMAKE_CURRENT_LIST_DIR}/dis_test.c ${CMAKE_CURRENT_LIST_DIR}/dis_oracle.c LABELS dissect)
