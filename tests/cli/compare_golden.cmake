# Runs COMMAND on INPUT and requires its standard output and error, together, to equal GOLDEN
# byte for byte. The golden files were written by nais-eval of the main before the open core
# (one composed loss for every device model), so this proves equal inputs give equal outputs.
execute_process(COMMAND ${COMMAND} ${INPUT} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
file(READ ${GOLDEN} expected)
if(NOT "${out}${err}" STREQUAL "${expected}")
  file(WRITE ${GOLDEN}.actual "${out}${err}")
  message(FATAL_ERROR "output of ${INPUT} differs from ${GOLDEN} (exit ${rc}); actual output in ${GOLDEN}.actual")
endif()
