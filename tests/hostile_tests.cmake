# Hostile input: every rejection names the argument and its value, leaves the
# outputs untouched (with and without exceptions), sizes and offsets at the
# int64 edges do not overflow, and -ffast-math gives the same results.

ropekit_test(test_hostile_specs SOURCES test_hostile_specs.cpp)
ropekit_test(test_hostile_encodings SOURCES test_hostile_encodings.cpp)

# The same rejections in a -fno-exceptions build, through the error handler.
add_executable(test_hostile_no_exceptions hostile_no_exceptions.cpp)
target_link_libraries(test_hostile_no_exceptions PRIVATE ropekit::encodings ropekit_project_options)
target_compile_options(test_hostile_no_exceptions PRIVATE -fno-exceptions)
add_test(NAME hostile_no_exceptions COMMAND test_hostile_no_exceptions)

# One binary, two objects of the same probe: one with -ffast-math, one strict.
foreach(_mode strict fast)
  add_library(fast_math_probe_${_mode} OBJECT fast_math_probe.cpp)
  target_link_libraries(fast_math_probe_${_mode} PRIVATE ropekit::encodings ropekit_project_options)
  target_compile_definitions(fast_math_probe_${_mode} PRIVATE ROPEKIT_PROBE=probe_${_mode})
endforeach()
target_compile_options(fast_math_probe_fast PRIVATE -ffast-math)
ropekit_test(test_fast_math SOURCES fast_math_tests.cpp $<TARGET_OBJECTS:fast_math_probe_strict>
             $<TARGET_OBJECTS:fast_math_probe_fast>)
