# Fuzz targets for the model-config readers (included by fuzz/CMakeLists.txt).
#   fuzz_hf_config: ropekit::hf::parse_config on arbitrary text (nlohmann_json)
#   fuzz_gguf:      ropekit::gguf::parse_metadata + model_rope on arbitrary bytes
# Seed corpora: fuzz/corpus/hf_config, fuzz/corpus/gguf.
if(TARGET ropekit::hf)
  ropekit_fuzzer(fuzz_hf_config ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_hf_config.cpp ropekit::hf)
endif()
ropekit_fuzzer(fuzz_gguf ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_gguf.cpp ropekit::ropekit)
