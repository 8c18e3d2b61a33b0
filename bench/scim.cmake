# SCIM target benchmark (bench/scim-bench.py, run by hand for figures);
# a tiny smoke run in ctest.
if(TARGET scimsync AND TARGET csv AND TARGET scim)
  add_test(NAME bench_scim_smoke
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/scim-bench.py
      --scimsync $<TARGET_FILE:scimsync> --plugins ${SCIMSYNC_BUILD_PLUGIN_DIR}
      --users 60 --groups 6 --members 150 --rate 200 --latency 0.005)
  set_tests_properties(bench_scim_smoke PROPERTIES LABELS bench-smoke TIMEOUT 120)
endif()
