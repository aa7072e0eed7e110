# Runs COMMAND with ARGS and requires its standard output to equal the file GOLDEN byte for byte
# (a generated page that is committed, such as docs/fidelity.md: regenerate it with its script).
execute_process(COMMAND ${COMMAND} ${ARGS} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${COMMAND} failed (exit ${rc}): ${err}")
endif()
file(READ ${GOLDEN} expected)
if(NOT "${out}" STREQUAL "${expected}")
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/generated.actual "${out}")
  message(FATAL_ERROR "${GOLDEN} is not what ${COMMAND} computes now (regenerate it: scripts/fidelity.sh); the output is in ${CMAKE_CURRENT_BINARY_DIR}/generated.actual")
endif()
