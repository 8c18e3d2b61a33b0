# State store benchmark (bench/state-bench.py, run by hand for figures); a
# tiny smoke run in ctest, with the state in a file and in the S3 fixture.
if(TARGET scimsync AND TARGET csv AND TARGET scim)
  foreach(kind file s3)
    add_test(NAME bench_state_smoke_${kind}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/state-bench.py
        --scimsync $<TARGET_FILE:scimsync> --plugins ${SCIMSYNC_BUILD_PLUGIN_DIR}
        --users 60 --groups 6 --members 300 --state ${kind})
    set_tests_properties(bench_state_smoke_${kind} PROPERTIES LABELS bench-smoke TIMEOUT 120)
  endforeach()
endif()
