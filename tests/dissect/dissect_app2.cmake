# HTTP, TLS, SMB, SMB2: built frames, truncation at every byte, hostile
# AndX and NextCommand chains, and the shared captures against tshark.
nmx_add_test(test_dissect_app2 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dissect_app2.c
             ${CMAKE_CURRENT_LIST_DIR}/dis_test.c LABELS dissect)
