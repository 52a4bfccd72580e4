// A small GGUF writer for the tests, written from the format description in
// ggml's docs/gguf.md (GGUF v2/v3, little-endian): header, key/values,
// tensor infos, padding to general.alignment, tensor data.
#ifndef ROPEKIT_TESTS_GGUF_WRITER_HPP
#define ROPEKIT_TESTS_GGUF_WRITER_HPP

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace rk_test {

/// A GGUF metadata value: its type tag and its encoded bytes (without the tag).
struct GgufValue {
  std::uint32_t type = 0;
  std::vector<std::uint8_t> bytes;
};

inline void put(std::vector<std::uint8_t>& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}
inline void put_string(std::vector<std::uint8_t>& out, const std::string& s) {
  put(out, s.size(), 8);
  out.insert(out.end(), s.begin(), s.end());
}

namespace gv {
inline GgufValue scalar(std::uint32_t type, std::uint64_t bits, int n) {
  GgufValue v{type, {}};
  put(v.bytes, bits, n);
  return v;
}
inline GgufValue u8(std::uint8_t x) { return scalar(0, x, 1); }
inline GgufValue i8(std::int8_t x) { return scalar(1, std::uint8_t(x), 1); }
inline GgufValue u16(std::uint16_t x) { return scalar(2, x, 2); }
inline GgufValue i16(std::int16_t x) { return scalar(3, std::uint16_t(x), 2); }
inline GgufValue u32(std::uint32_t x) { return scalar(4, x, 4); }
inline GgufValue i32(std::int32_t x) { return scalar(5, std::uint32_t(x), 4); }
inline GgufValue f32(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, 4);
  return scalar(6, u, 4);
}
inline GgufValue boolean(bool x) { return scalar(7, x ? 1 : 0, 1); }
inline GgufValue str(const std::string& s) {
  GgufValue v{8, {}};
  put_string(v.bytes, s);
  return v;
}
inline GgufValue u64(std::uint64_t x) { return scalar(10, x, 8); }
inline GgufValue i64(std::int64_t x) { return scalar(11, std::uint64_t(x), 8); }
inline GgufValue f64(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, 8);
  return scalar(12, u, 8);
}
/// An array of values of one type (elements written without their tags).
inline GgufValue array(std::uint32_t element_type, const std::vector<GgufValue>& elements) {
  GgufValue v{9, {}};
  put(v.bytes, element_type, 4);
  put(v.bytes, elements.size(), 8);
  for (const GgufValue& e : elements) v.bytes.insert(v.bytes.end(), e.bytes.begin(), e.bytes.end());
  return v;
}
template <class T, class F>
inline GgufValue array_of(std::uint32_t element_type, const std::vector<T>& xs, F make) {
  std::vector<GgufValue> e;
  for (const T& x : xs) e.push_back(make(x));
  return array(element_type, e);
}
inline GgufValue u32s(const std::vector<std::uint32_t>& xs) { return array_of(4, xs, u32); }
inline GgufValue i32s(const std::vector<std::int32_t>& xs) { return array_of(5, xs, i32); }
inline GgufValue f32s(const std::vector<float>& xs) { return array_of(6, xs, f32); }
inline GgufValue bools(const std::vector<bool>& xs) {
  std::vector<GgufValue> e;
  for (bool x : xs) e.push_back(boolean(x));
  return array(7, e);
}
inline GgufValue strs(const std::vector<std::string>& xs) { return array_of(8, xs, str); }
}  // namespace gv

/// Builds a GGUF file in memory.
class GgufWriter {
 public:
  explicit GgufWriter(std::uint32_t version = 3) : version_(version) {}

  GgufWriter& kv(const std::string& key, const GgufValue& v) {
    kvs_.emplace_back(key, v);
    return *this;
  }
  /// A tensor with explicit data bytes and ggml type.
  GgufWriter& tensor(const std::string& name, const std::vector<std::uint64_t>& dims, std::uint32_t ggml_type,
                     const std::vector<std::uint8_t>& data) {
    tensors_.push_back({name, dims, ggml_type, data});
    return *this;
  }
  /// An F32 tensor.
  GgufWriter& tensor_f32(const std::string& name, const std::vector<float>& values) {
    std::vector<std::uint8_t> data;
    for (float f : values) {
      std::uint32_t u;
      std::memcpy(&u, &f, 4);
      put(data, u, 4);
    }
    return tensor(name, {values.size()}, 0, data);
  }
  /// The alignment used for padding; general.alignment must be added as a kv
  /// by the caller when it is not 32.
  GgufWriter& alignment(std::uint64_t a) {
    alignment_ = a;
    return *this;
  }

  std::vector<std::uint8_t> bytes() const {
    std::vector<std::uint8_t> out;
    for (char c : std::string("GGUF")) out.push_back(std::uint8_t(c));
    put(out, version_, 4);
    put(out, tensors_.size(), 8);
    put(out, kvs_.size(), 8);
    for (const auto& [key, v] : kvs_) {
      put_string(out, key);
      put(out, v.type, 4);
      out.insert(out.end(), v.bytes.begin(), v.bytes.end());
    }
    std::uint64_t offset = 0;
    std::vector<std::uint64_t> offsets;
    for (const Tensor& t : tensors_) {
      put_string(out, t.name);
      put(out, t.dims.size(), 4);
      for (std::uint64_t d : t.dims) put(out, d, 8);
      put(out, t.type, 4);
      put(out, offset, 8);
      offsets.push_back(offset);
      offset += t.data.size();
      offset += (alignment_ - offset % alignment_) % alignment_;
    }
    if (!tensors_.empty()) {
      while (out.size() % alignment_ != 0) out.push_back(0);
      const std::size_t data_start = out.size();
      for (std::size_t i = 0; i < tensors_.size(); ++i) {
        out.resize(data_start + offsets[i], 0);
        out.insert(out.end(), tensors_[i].data.begin(), tensors_[i].data.end());
      }
    }
    return out;
  }

 private:
  struct Tensor {
    std::string name;
    std::vector<std::uint64_t> dims;
    std::uint32_t type;
    std::vector<std::uint8_t> data;
  };
  std::uint32_t version_;
  std::uint64_t alignment_ = 32;
  std::vector<std::pair<std::string, GgufValue>> kvs_;
  std::vector<Tensor> tensors_;
};

}  // namespace rk_test

#endif  // ROPEKIT_TESTS_GGUF_WRITER_HPP
