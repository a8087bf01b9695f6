# DNS, DHCP and NBT: built frames, truncation at every byte, hostile DNS
# names, and the shared captures against tshark.
nmx_add_test(test_dissect_app1 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dissect_app1.c
             ${CMAKE_CURRENT_LIST_DIR}/dis_test.c
             LABELS dissect TIMEOUT 600)

# Their golden detail-pane texts are rows of tests/golden/TESTLIST.
