# Model-config readers: the plan types (core), the Hugging Face config.json
# reader (ropekit::hf, nlohmann_json), the GGUF reader (no dependency) and
# ropekit-inspect. Included by tests/CMakeLists.txt.

set(ROPEKIT_HF_DATA_DIR "${CMAKE_CURRENT_SOURCE_DIR}/data/hf_configs")

ropekit_test(test_model_plan SOURCES test_model_plan.cpp)
ropekit_test(test_gguf SOURCES test_gguf.cpp)

if(TARGET ropekit::hf)
  ropekit_test(test_hf_config SOURCES test_hf_config.cpp)
  target_link_libraries(test_hf_config PRIVATE ropekit::hf)
  target_compile_definitions(test_hf_config PRIVATE ROPEKIT_HF_DATA_DIR="${ROPEKIT_HF_DATA_DIR}")

  ropekit_test(test_model_hf_semantics SOURCES test_model_hf_semantics.cpp)
  target_link_libraries(test_model_hf_semantics PRIVATE ropekit::hf)

  # The readers built without exceptions: errors reach the installed handler
  # and the readers return empty plans.
  add_executable(test_model_no_exceptions test_model_no_exceptions.cpp)
  target_link_libraries(test_model_no_exceptions PRIVATE ropekit::hf ropekit_project_options)
  target_compile_options(test_model_no_exceptions PRIVATE -fno-exceptions)
  target_compile_definitions(test_model_no_exceptions PRIVATE ROPEKIT_HF_DATA_DIR="${ROPEKIT_HF_DATA_DIR}")
  add_test(NAME model_readers_no_exceptions COMMAND test_model_no_exceptions)

  # ropekit-inspect is defined later (tools/ is added after tests/); the
  # generator expression resolves it at generate time.
  if(ROPEKIT_BUILD_TOOLS)
    add_executable(gguf_samples gguf_samples.cpp)
    target_link_libraries(gguf_samples PRIVATE ropekit_project_options)
    target_compile_features(gguf_samples PRIVATE cxx_std_17)
    find_program(ROPEKIT_RSVG_CONVERT rsvg-convert)
    # A cross build runs the programs through its emulator (a list, passed
    # with '|' between its words).
    string(REPLACE ";" "|" _emulator "${CMAKE_CROSSCOMPILING_EMULATOR}")
    add_test(NAME ropekit_inspect
      COMMAND ${CMAKE_COMMAND} "-DEMULATOR=${_emulator}"
              -DINSPECT=$<TARGET_FILE:ropekit-inspect> -DSAMPLES=$<TARGET_FILE:gguf_samples>
              -DRSVG=${ROPEKIT_RSVG_CONVERT} -DDATA=${ROPEKIT_HF_DATA_DIR} -DWORK=${CMAKE_CURRENT_BINARY_DIR}/inspect_test
              -P ${CMAKE_CURRENT_SOURCE_DIR}/test_inspect.cmake)
  endif()
endif()
