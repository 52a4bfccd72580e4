# Fuzz targets for specs and encodings (included by fuzz/CMakeLists.txt).
#   fuzz_spec:      arbitrary RopeSpecs -> ropekit::frequencies; every accepted
#                   table valid, every rejection naming its field and value, and
#                   the same results from a -ffast-math object of the same source
#   fuzz_encodings: arbitrary arguments to the encodings, on exactly sized buffers
# Seed corpora: fuzz/corpus/spec, fuzz/corpus/encodings.
ropekit_fuzzer(fuzz_spec ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_spec.cpp ropekit::ropekit)
add_library(fuzz_spec_fast_math OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_spec.cpp)
target_link_libraries(fuzz_spec_fast_math PRIVATE ropekit::ropekit)
target_compile_definitions(fuzz_spec_fast_math PRIVATE ROPEKIT_FUZZ_FAST_MATH_OBJECT=1)
target_compile_options(fuzz_spec_fast_math PRIVATE -g -O1 -ffast-math -fsanitize=fuzzer-no-link,address,undefined
                                                   -fno-sanitize-recover=all)
target_sources(fuzz_spec PRIVATE $<TARGET_OBJECTS:fuzz_spec_fast_math>)

if(TARGET ropekit::encodings)
  ropekit_fuzzer(fuzz_encodings ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_encodings.cpp ropekit::encodings)
endif()
