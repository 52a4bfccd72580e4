# Builds and runs tests/consumer against ropekit, either installed from the
# build tree ROPEKIT_BINARY_DIR into a fresh prefix (MODE=installed) or added
# as a subdirectory from ROPEKIT_SOURCE_DIR (MODE=subdirectory).
# Usage: cmake -DMODE=... -DROPEKIT_SOURCE_DIR=... -DROPEKIT_BINARY_DIR=... -DWORK_DIR=... -P run.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "step failed (${result}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(args -DCMAKE_BUILD_TYPE=Release)
if(CXX_COMPILER)
  list(APPEND args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(MODE STREQUAL "installed")
  run_step(${CMAKE_COMMAND} --install "${ROPEKIT_BINARY_DIR}" --prefix "${WORK_DIR}/prefix")
  list(APPEND args "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
elseif(MODE STREQUAL "subdirectory")
  list(APPEND args -DUSE_SUBDIRECTORY=ON "-DROPEKIT_SOURCE_DIR=${ROPEKIT_SOURCE_DIR}")
else()
  message(FATAL_ERROR "MODE must be installed or subdirectory, not '${MODE}'")
endif()
run_step(${CMAKE_COMMAND} -S "${ROPEKIT_SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/build" ${args})
run_step(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run_step("${WORK_DIR}/build/consumer")
