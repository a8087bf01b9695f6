# Link layers of Top Users' captures: Token Ring, FDDI, 802.11 with radiotap
# and PPI, NFLOG, Solaris ipnet, Cisco HDLC.
nmx_add_test(test_dissect_link2 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dissect_link2.c
             ${CMAKE_CURRENT_LIST_DIR}/dis_test.c ${CMAKE_CURRENT_LIST_DIR}/dis_oracle.c LABELS dissect)
