# DNS, DHCP and NBT: built frames, truncation at every byte, hostile DNS
# names, and the shared captures against tshark.
nmx_add_test(test_dissect_app1 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dissect_app1.c
             LABELS dissect TIMEOUT 600)

# Golden detail-pane text of DNS, DHCP and NBT frames of the shared captures.
add_test(NAME golden_app1 COMMAND ${CMAKE_CURRENT_LIST_DIR}/golden-app1 $<TARGET_FILE:nmexpert_cli>)
set_tests_properties(golden_app1 PROPERTIES TIMEOUT 120 LABELS dissect
  ENVIRONMENT "NMX_SHARED_CAPTURES=${NMX_SHARED_CAPTURES}")
