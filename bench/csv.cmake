# CSV source read throughput (bench/csv_bench.c); a tiny smoke run in ctest.
if(TARGET csv)
  add_executable(bench_csv ${CMAKE_CURRENT_SOURCE_DIR}/csv_bench.c)
  target_link_libraries(bench_csv PRIVATE scimsync_plugin_api ${CMAKE_DL_LIBS})
  target_compile_definitions(bench_csv PRIVATE CSV_PLUGIN_SO="$<TARGET_FILE:csv>")
  add_dependencies(bench_csv csv)
  add_test(NAME bench_csv_smoke COMMAND bench_csv 1000 10 100)
  set_tests_properties(bench_csv_smoke PROPERTIES LABELS bench-smoke TIMEOUT 60)
endif()
