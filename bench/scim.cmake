# SCIM target benchmark (bench/scim-bench.py, run by hand for figures);
# a tiny smoke run in ctest.
if(TARGET scimsync AND TARGET csv AND TARGET scim)
  add_test(NAME bench_scim_smoke
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/scim-bench.py
      --scimsync $<TARGET_FILE:scimsync> --plugins ${SCIMSYNC_BUILD_PLUGIN_DIR}
      --users 60 --groups 6 --members 150 --rate 200 --latency 0.005)
  set_tests_properties(bench_scim_smoke PROPERTIES LABELS bench-smoke TIMEOUT 120)
endif()
# The budgets benchmark (bench/scim-budget-bench.py): a tiny run at high rates.
if(TARGET scimsync AND TARGET csv AND TARGET scim)
  add_test(NAME bench_scim_budget_smoke
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/scim-budget-bench.py
      --scimsync $<TARGET_FILE:scimsync> --plugins ${SCIMSYNC_BUILD_PLUGIN_DIR}
      --users 40 --groups 4 --members 120 --read-rate 200 --write-rate 200
      --member-rate 5000 --client read_rate=200 --client write_rate=200
      --client member_op_rate=5000 --latency 0.005)
  set_tests_properties(bench_scim_budget_smoke PROPERTIES LABELS bench-smoke TIMEOUT 120)
endif()
