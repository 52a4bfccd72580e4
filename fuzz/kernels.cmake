# The kernels' fuzz target: views, positions, angle sources and options.
ropekit_fuzzer(fuzz_apply fuzz_apply.cpp ropekit::ropekit)
if(ROPEKIT_NATIVE)
  target_compile_options(fuzz_apply PRIVATE -march=native)
endif()
