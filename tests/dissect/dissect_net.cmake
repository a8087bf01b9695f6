# IP6, ICMP and ICMP6.
nmx_add_test(test_dissect_net SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dissect_net.c
             ${CMAKE_CURRENT_LIST_DIR}/dis_test.c LABELS dissect)
