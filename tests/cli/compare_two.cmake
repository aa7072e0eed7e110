# Runs COMMAND with ARGS_A and with ARGS_B (';'-separated lists) and requires equal output: a zoo
# network loaded from its shipped JSON description analyses exactly as the built-in one.
execute_process(COMMAND ${COMMAND} ${ARGS_A} OUTPUT_VARIABLE a RESULT_VARIABLE ra)
execute_process(COMMAND ${COMMAND} ${ARGS_B} OUTPUT_VARIABLE b RESULT_VARIABLE rb)
if(NOT ra EQUAL 0 OR NOT rb EQUAL 0 OR NOT "${a}" STREQUAL "${b}")
  message(FATAL_ERROR "outputs differ (exit ${ra} and ${rb}) for ${ARGS_A} and ${ARGS_B}")
endif()
