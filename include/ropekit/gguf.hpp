// ropekit: GGUF metadata and llama.cpp's RoPE semantics, into a per-layer plan.
// SPDX-License-Identifier: Apache-2.0
//
// No dependency. The format is GGUF v2/v3 as described in ggml's
// docs/gguf.md; the mapping follows llama.cpp (src/llama-model.cpp
// load_hparams and llama_model_rope_type, src/llama-context.cpp's YaRN
// parameters, ggml-cpu/ops.cpp rope_yarn), as vendored by ollama at upstream
// llama.cpp ec98e2002.
#ifndef ROPEKIT_GGUF_HPP
#define ROPEKIT_GGUF_HPP

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "detail/fp.hpp"
#include "model.hpp"

namespace ropekit {

/// The value types of GGUF metadata (docs/gguf.md, gguf_metadata_value_type).
enum class GgufType : std::uint32_t {
  uint8 = 0,
  int8 = 1,
  uint16 = 2,
  int16 = 3,
  uint32 = 4,
  int32 = 5,
  float32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  uint64 = 10,
  int64 = 11,
  float64 = 12,
};

/// One metadata key/value. The value's bytes (little-endian, as in the file)
/// are kept in GgufMetadata::raw at [offset, offset + size); for an array,
/// `element_type` and `count` describe it (nested arrays are validated but
/// only their bytes are kept).
struct GgufEntry {
  std::string key;
  GgufType type = GgufType::uint8;
  GgufType element_type = GgufType::uint8;  ///< arrays only
  std::uint64_t count = 0;                  ///< arrays only: number of elements
  std::size_t offset = 0;                   ///< into GgufMetadata::raw
  std::size_t size = 0;                     ///< bytes of the value in raw
  std::uint64_t file_offset = 0;            ///< where the value starts in the file
};

/// A tensor described by the file (name, dimensions, ggml type, offset of its
/// data relative to the data section).
struct GgufTensor {
  std::string name;
  std::vector<std::uint64_t> dims;
  std::uint32_t ggml_type = 0;
  std::uint64_t offset = 0;
};

/// The header, key/value section and tensor directory of a GGUF file, plus the
/// data of the small f32 RoPE tensors (`rope_freqs.weight`,
/// `rope_factors_long.weight`, `rope_factors_short.weight`); never the weights.
struct GgufMetadata {
  std::string source;         ///< the file name, for messages
  std::uint32_t version = 0;  ///< 2 or 3; 0 for an empty (failed) reading
  std::uint64_t file_size = 0;
  std::uint64_t alignment = 32;     ///< general.alignment (default 32)
  std::uint64_t data_offset = 0;    ///< start of the tensor data section
  std::vector<GgufEntry> entries;   ///< in file order
  std::vector<std::uint8_t> raw;    ///< value bytes of the entries
  std::vector<GgufTensor> tensors;  ///< the tensor directory
  /// Data of the RoPE tensors found (name -> values).
  std::vector<std::pair<std::string, std::vector<float>>> rope_tensors;

  /// True for the result of a failed reading.
  bool empty() const { return version == 0; }
};

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace gguf_detail {

/// Names of the value types, for messages.
inline const char* type_name(std::uint32_t t) {
  static const char* const names[] = {"uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
                                      "bool",  "string", "array",  "uint64", "int64",  "float64"};
  return t < 13 ? names[t] : "invalid";
}

/// Size in bytes of a fixed-size value type (0 for string / array).
inline std::uint64_t fixed_size(std::uint32_t t) {
  switch (t) {
    case 0:
    case 1:
    case 7:
      return 1;
    case 2:
    case 3:
      return 2;
    case 4:
    case 5:
    case 6:
      return 4;
    case 10:
    case 11:
    case 12:
      return 8;
    default:
      return 0;
  }
}

/// Names of the RoPE tensors the reader loads.
inline bool is_rope_tensor(const std::string& name) {
  return name == "rope_freqs.weight" || name == "rope_factors_long.weight" || name == "rope_factors_short.weight";
}

/// Largest number of elements of a RoPE tensor (n_rot / 2 in practice).
constexpr std::uint64_t kMaxRopeTensorElements = 1u << 16;
/// Deepest nesting of arrays accepted.
constexpr int kMaxArrayDepth = 8;
/// Longest key (docs/gguf.md: at most 65535 bytes) and tensor name (64 bytes
/// in the spec; llama.cpp's GGML_MAX_NAME) accepted.
constexpr std::uint64_t kMaxKeyLength = 65535;
constexpr std::uint64_t kMaxTensorName = 64;
/// llama.cpp's GGML_MAX_DIMS.
constexpr std::uint32_t kMaxDims = 4;

/// Where bytes come from: a memory buffer, or a file read in order. Every read
/// is checked against the size first; nothing is allocated before the bytes
/// that justify it are known to exist.
class Input {
 public:
  Input(const std::uint8_t* data, std::uint64_t size) : data_(data), size_(size) {}
  Input(std::FILE* file, std::uint64_t size) : file_(file), size_(size) {}

  std::uint64_t size() const { return size_; }
  std::uint64_t pos() const { return pos_; }
  std::uint64_t remaining() const { return size_ - pos_; }

  /// Reads n bytes at the current position into out (appending); false when
  /// the file has fewer bytes left or the read fails.
  bool read(std::uint64_t n, std::vector<std::uint8_t>& out) {
    if (n > remaining()) return false;
    const std::size_t start = out.size();
    out.resize(start + std::size_t(n));
    if (!read_into(out.data() + start, n)) {
      out.resize(start);
      return false;
    }
    return true;
  }
  bool read_into(std::uint8_t* dst, std::uint64_t n) {
    if (n > remaining()) return false;
    if (n == 0) return true;
    if (data_) {
      std::memcpy(dst, data_ + pos_, std::size_t(n));
    } else {
      if (std::fseek(file_, long(pos_), SEEK_SET) != 0) return false;
      if (std::fread(dst, 1, std::size_t(n), file_) != std::size_t(n)) return false;
    }
    pos_ += n;
    return true;
  }
  /// Reads bytes at an absolute offset without moving the position.
  bool read_at(std::uint64_t offset, std::uint64_t n, std::uint8_t* dst) {
    if (offset > size_ || n > size_ - offset) return false;
    const std::uint64_t saved = pos_;
    pos_ = offset;
    const bool ok = read_into(dst, n);
    pos_ = saved;
    return ok;
  }
  bool skip(std::uint64_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }

 private:
  const std::uint8_t* data_ = nullptr;
  std::FILE* file_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t pos_ = 0;
};

/// Little-endian decoding.
inline std::uint64_t le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

/// The parser: reports "<source>: <what> = <value> <requirement>" once.
struct Parser {
  Input& in;
  GgufMetadata& meta;
  bool failed = false;

  bool fail(const std::string& what, const std::string& value, const std::string& requirement) {
    if (!failed) {
      failed = true;
      detail::fail(meta.source.c_str(), what.c_str(), value, requirement.c_str());
    }
    return false;
  }
  std::string at() const { return "byte offset " + std::to_string(in.pos()); }
  bool truncated(const std::string& what, std::uint64_t need) {
    return fail(what + " at " + at(), std::to_string(need) + " bytes needed",
                "but the file ends after " + std::to_string(in.remaining()) + " more (truncated)");
  }

  bool u32(const std::string& what, std::uint32_t& v) {
    std::uint8_t b[4];
    if (!in.read_into(b, 4)) return truncated(what, 4);
    v = std::uint32_t(le(b, 4));
    return true;
  }
  bool u64(const std::string& what, std::uint64_t& v) {
    std::uint8_t b[8];
    if (!in.read_into(b, 8)) return truncated(what, 8);
    v = le(b, 8);
    return true;
  }
  /// A GGUF string (uint64 length, bytes) of at most `max_length` bytes.
  bool str(const std::string& what, std::uint64_t max_length, std::string& out) {
    const std::uint64_t start = in.pos();
    std::uint64_t n = 0;
    if (!u64(what + " length", n)) return false;
    if (n > max_length)
      return fail(what + " length at byte offset " + std::to_string(start), std::to_string(n),
                  "must be <= " + std::to_string(max_length));
    if (n > in.remaining()) return truncated(what, n);
    std::vector<std::uint8_t> bytes;
    if (!in.read(n, bytes)) return truncated(what, n);
    out.assign(bytes.begin(), bytes.end());
    return true;
  }

  /// Reads one value of type `t` into meta.raw, validating it (booleans 0/1,
  /// string and array lengths within the file, nesting depth).
  bool value(const std::string& key, std::uint32_t t, int depth) {
    if (t > 12)
      return fail("key \"" + key + "\" value type at " + at(), std::to_string(t), "is not a GGUF value type (0..12)");
    if (const std::uint64_t s = fixed_size(t)) {
      const std::size_t start = meta.raw.size();
      if (!in.read(s, meta.raw)) return truncated("key \"" + key + "\" value", s);
      if (t == 7 && meta.raw[start] > 1)
        return fail("key \"" + key + "\" at byte offset " + std::to_string(in.pos() - 1),
                    std::to_string(meta.raw[start]), "is not a boolean (0 or 1)");
      return true;
    }
    if (t == 8) {
      std::uint8_t b[8];
      if (!in.read_into(b, 8)) return truncated("key \"" + key + "\" string length", 8);
      const std::uint64_t n = le(b, 8);
      if (n > in.remaining())
        return fail("key \"" + key + "\" string length at byte offset " + std::to_string(in.pos() - 8),
                    std::to_string(n), "exceeds the " + std::to_string(in.remaining()) + " bytes left in the file");
      meta.raw.insert(meta.raw.end(), b, b + 8);
      return in.read(n, meta.raw) || truncated("key \"" + key + "\" string", n);
    }
    // Array: element type, count, elements.
    if (depth >= kMaxArrayDepth)
      return fail("key \"" + key + "\" at " + at(), "arrays nested " + std::to_string(depth) + " deep",
                  "exceed the limit of " + std::to_string(kMaxArrayDepth));
    std::uint8_t b[12];
    if (!in.read_into(b, 12)) return truncated("key \"" + key + "\" array header", 12);
    const std::uint32_t et = std::uint32_t(le(b, 4));
    const std::uint64_t count = le(b + 4, 8);
    if (et > 12)
      return fail("key \"" + key + "\" array element type at byte offset " + std::to_string(in.pos() - 12),
                  std::to_string(et), "is not a GGUF value type (0..12)");
    meta.raw.insert(meta.raw.end(), b, b + 12);
    // Each element needs at least this many bytes: bounds the loop by the file.
    const std::uint64_t min_size = et == 8 ? 8 : et == 9 ? 12 : fixed_size(et);
    if (count > in.remaining() / min_size)
      return fail("key \"" + key + "\" array count at byte offset " + std::to_string(in.pos() - 8),
                  std::to_string(count),
                  "needs at least " + std::to_string(min_size) + " bytes per element but only " +
                      std::to_string(in.remaining()) + " remain");
    if (et != 8 && et != 9) {
      const std::size_t start = meta.raw.size();
      if (!in.read(count * min_size, meta.raw)) return truncated("key \"" + key + "\" array", count * min_size);
      if (et == 7)
        for (std::size_t i = start; i < meta.raw.size(); ++i)
          if (meta.raw[i] > 1)
            return fail("key \"" + key + "\" element " + std::to_string(i - start), std::to_string(meta.raw[i]),
                        "is not a boolean (0 or 1)");
      return true;
    }
    for (std::uint64_t i = 0; i < count; ++i)
      if (!value(key, et, depth + 1)) return false;
    return true;
  }

  bool run() {
    std::uint8_t magic[4];
    if (!in.read_into(magic, 4)) return truncated("magic", 4);
    if (std::memcmp(magic, "GGUF", 4) != 0) {
      std::string shown;
      for (std::uint8_t c : magic) shown += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
      return fail("magic at byte offset 0", "\"" + shown + "\"", "is not \"GGUF\" (not a GGUF file)");
    }
    std::uint32_t version = 0;
    if (!u32("version", version)) return false;
    if (version != 2 && version != 3) {
      return fail("version at byte offset 4", std::to_string(version),
                  version == 1 ? "is GGUF v1 (32-bit counts), which is not supported; v2 and v3 are"
                               : "is not a supported GGUF version (2 or 3; a big-endian file reads as 0x03000000)");
    }
    std::uint64_t n_tensors = 0, n_kv = 0;
    if (!u64("tensor_count", n_tensors) || !u64("metadata_kv_count", n_kv)) return false;
    // A key/value takes at least 8 (key length) + 4 (type) + 1 bytes; a
    // tensor info at least 8 + 4 + 4 + 8.
    if (n_kv > in.remaining() / 13)
      return fail("metadata_kv_count at byte offset 16", std::to_string(n_kv),
                  "cannot fit in the " + std::to_string(in.remaining()) + " bytes left");
    if (n_tensors > in.remaining() / 24)
      return fail("tensor_count at byte offset 8", std::to_string(n_tensors),
                  "cannot fit in the " + std::to_string(in.remaining()) + " bytes left");
    std::set<std::string> keys;
    for (std::uint64_t k = 0; k < n_kv; ++k) {
      GgufEntry e;
      const std::uint64_t key_at = in.pos();
      if (!str("key " + std::to_string(k), kMaxKeyLength, e.key)) return false;
      if (!keys.insert(e.key).second)
        return fail("key at byte offset " + std::to_string(key_at), "\"" + e.key + "\"", "is duplicated");
      std::uint32_t t = 0;
      if (!u32("key \"" + e.key + "\" type", t)) return false;
      if (t > 12)
        return fail("key \"" + e.key + "\" type at byte offset " + std::to_string(in.pos() - 4), std::to_string(t),
                    "is not a GGUF value type (0..12)");
      e.type = GgufType(t);
      e.file_offset = in.pos();
      e.offset = meta.raw.size();
      if (!value(e.key, t, 0)) return false;
      e.size = meta.raw.size() - e.offset;
      if (t == 9) {
        e.element_type = GgufType(std::uint32_t(le(meta.raw.data() + e.offset, 4)));
        e.count = le(meta.raw.data() + e.offset + 4, 8);
      }
      meta.entries.push_back(std::move(e));
    }
    meta.version = version;
    // general.alignment (uint32, a power of two; 32 when absent).
    for (const GgufEntry& e : meta.entries) {
      if (e.key != "general.alignment") continue;
      if (e.type != GgufType::uint32)
        return fail("key \"general.alignment\"", type_name(std::uint32_t(e.type)), "must be uint32");
      const std::uint64_t a = le(meta.raw.data() + e.offset, 4);
      if (a == 0 || (a & (a - 1)) != 0)
        return fail("key \"general.alignment\"", std::to_string(a), "must be a power of two");
      meta.alignment = a;
    }
    // Tensor directory.
    std::set<std::string> names;
    for (std::uint64_t k = 0; k < n_tensors; ++k) {
      GgufTensor ti;
      const std::uint64_t at_start = in.pos();
      if (!str("tensor " + std::to_string(k) + " name", kMaxTensorName, ti.name)) return false;
      std::uint32_t n_dims = 0;
      if (!u32("tensor \"" + ti.name + "\" n_dimensions", n_dims)) return false;
      if (n_dims > kMaxDims)
        return fail("tensor \"" + ti.name + "\" n_dimensions at byte offset " + std::to_string(in.pos() - 4),
                    std::to_string(n_dims), "must be <= " + std::to_string(kMaxDims));
      std::uint64_t elements = 1;
      for (std::uint32_t d = 0; d < n_dims; ++d) {
        std::uint64_t n = 0;
        if (!u64("tensor \"" + ti.name + "\" dimension", n)) return false;
        if (n != 0 && elements > (std::uint64_t(1) << 62) / n)
          return fail("tensor \"" + ti.name + "\" dimensions at byte offset " + std::to_string(at_start),
                      std::to_string(n), "overflow the element count");
        elements *= n;
        ti.dims.push_back(n);
      }
      if (!u32("tensor \"" + ti.name + "\" type", ti.ggml_type)) return false;
      if (!u64("tensor \"" + ti.name + "\" offset", ti.offset)) return false;
      if (!names.insert(ti.name).second)
        return fail("tensor name at byte offset " + std::to_string(at_start), "\"" + ti.name + "\"", "is duplicated");
      meta.tensors.push_back(std::move(ti));
    }
    // Data section: aligned after the directory.
    const std::uint64_t end = in.pos();
    const std::uint64_t pad = (meta.alignment - end % meta.alignment) % meta.alignment;
    if (pad > in.remaining() && !meta.tensors.empty())
      return fail("data section at byte offset " + std::to_string(end), std::to_string(pad) + " bytes of padding",
                  "run past the end of the file (truncated)");
    meta.data_offset = end + pad;
    // The small RoPE tensors, read by offset.
    for (const GgufTensor& ti : meta.tensors) {
      if (!is_rope_tensor(ti.name)) continue;
      const std::string what = "tensor \"" + ti.name + "\"";
      if (ti.ggml_type != 0) return fail(what + " type", std::to_string(ti.ggml_type), "must be 0 (F32)");
      std::uint64_t n = 1;
      for (std::uint64_t d : ti.dims) n *= d;
      if (n > kMaxRopeTensorElements)
        return fail(what + " elements", std::to_string(n), "must be <= " + std::to_string(kMaxRopeTensorElements));
      if (ti.offset % meta.alignment != 0)
        return fail(what + " offset", std::to_string(ti.offset),
                    "must be a multiple of general.alignment = " + std::to_string(meta.alignment));
      const std::uint64_t bytes = n * 4;
      if (ti.offset > in.size() || meta.data_offset > in.size() - ti.offset ||
          bytes > in.size() - meta.data_offset - ti.offset)
        return fail(
            what + " data at byte offset " + std::to_string(meta.data_offset) + " + " + std::to_string(ti.offset),
            std::to_string(bytes) + " bytes",
            "run past the end of the file (" + std::to_string(in.size()) + " bytes; truncated?)");
      std::vector<std::uint8_t> buf(static_cast<std::size_t>(bytes));
      if (!in.read_at(meta.data_offset + ti.offset, bytes, buf.data()))
        return fail(what + " data", std::to_string(bytes) + " bytes", "could not be read");
      std::vector<float> values(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint32_t u = std::uint32_t(le(buf.data() + 4 * i, 4));
        std::memcpy(&values[std::size_t(i)], &u, 4);
      }
      meta.rope_tensors.emplace_back(ti.name, std::move(values));
    }
    return true;
  }
};

inline GgufMetadata parse(Input& in, const std::string& source) {
  GgufMetadata meta;
  meta.source = source;
  meta.file_size = in.size();
  Parser p{in, meta};
  if (!p.run() || p.failed) {
    GgufMetadata empty;
    empty.source = source;
    return empty;
  }
  return meta;
}

}  // namespace gguf_detail

namespace gguf {

/// Parses a whole GGUF file held in memory (`size` bytes at `data`): header,
/// key/value section (v2 and v3, every value type, nested arrays, alignment)
/// and tensor directory, and the data of `rope_freqs.weight`,
/// `rope_factors_long.weight`, `rope_factors_short.weight` (f32) read by
/// offset. Every count, length and offset is checked against the size before
/// use, so a crafted file cannot make it read out of bounds, loop without
/// bound or allocate more than its own size. Errors name `source`, the key
/// or byte offset and the value; afterwards the result is empty().
inline GgufMetadata parse_metadata(const void* data, std::size_t size, const std::string& source = "<memory>") {
  gguf_detail::Input in(static_cast<const std::uint8_t*>(data), size);
  return gguf_detail::parse(in, source);
}

/// Reads the metadata of the GGUF file at `path` (see parse_metadata): only
/// the header, the key/value section, the tensor directory and the small RoPE
/// tensors are read, never the weights.
inline GgufMetadata read_metadata(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    detail::fail(path.c_str(), "(file)", std::string("\"") + path + "\"", "cannot be opened");
    GgufMetadata empty;
    empty.source = path;
    return empty;
  }
  std::uint64_t size = 0;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long end = std::ftell(f);
    if (end > 0) size = std::uint64_t(end);
  }
  gguf_detail::Input in(f, size);
  GgufMetadata meta = gguf_detail::parse(in, path);
  std::fclose(f);
  return meta;
}

/// The entry named `key`, or nullptr.
inline const GgufEntry* find(const GgufMetadata& meta, std::string_view key) {
  for (const GgufEntry& e : meta.entries)
    if (e.key == key) return &e;
  return nullptr;
}

/// A scalar numeric value (any integer or float type) as double; nullopt when
/// absent or not numeric.
inline std::optional<double> get_number(const GgufMetadata& meta, std::string_view key) {
  const GgufEntry* e = find(meta, key);
  if (!e) return std::nullopt;
  const std::uint8_t* p = meta.raw.data() + e->offset;
  switch (e->type) {
    case GgufType::uint8:
      return double(p[0]);
    case GgufType::int8:
      return double(std::int8_t(p[0]));
    case GgufType::uint16:
      return double(gguf_detail::le(p, 2));
    case GgufType::int16:
      return double(std::int16_t(gguf_detail::le(p, 2)));
    case GgufType::uint32:
      return double(gguf_detail::le(p, 4));
    case GgufType::int32:
      return double(std::int32_t(gguf_detail::le(p, 4)));
    case GgufType::uint64:
      return double(gguf_detail::le(p, 8));
    case GgufType::int64:
      return double(std::int64_t(gguf_detail::le(p, 8)));
    case GgufType::float32: {
      float f;
      const std::uint32_t u = std::uint32_t(gguf_detail::le(p, 4));
      std::memcpy(&f, &u, 4);
      return double(f);
    }
    case GgufType::float64: {
      double d;
      const std::uint64_t u = gguf_detail::le(p, 8);
      std::memcpy(&d, &u, 8);
      return d;
    }
    default:
      return std::nullopt;
  }
}

/// A scalar integer value (any integer type); nullopt when absent, not an
/// integer type, or beyond int64.
inline std::optional<std::int64_t> get_integer(const GgufMetadata& meta, std::string_view key) {
  const GgufEntry* e = find(meta, key);
  if (!e) return std::nullopt;
  const std::uint8_t* p = meta.raw.data() + e->offset;
  switch (e->type) {
    case GgufType::uint8:
      return std::int64_t(p[0]);
    case GgufType::int8:
      return std::int64_t(std::int8_t(p[0]));
    case GgufType::uint16:
      return std::int64_t(gguf_detail::le(p, 2));
    case GgufType::int16:
      return std::int64_t(std::int16_t(gguf_detail::le(p, 2)));
    case GgufType::uint32:
      return std::int64_t(gguf_detail::le(p, 4));
    case GgufType::int32:
      return std::int64_t(std::int32_t(gguf_detail::le(p, 4)));
    case GgufType::uint64: {
      const std::uint64_t u = gguf_detail::le(p, 8);
      if (u > std::uint64_t(INT64_MAX)) return std::nullopt;
      return std::int64_t(u);
    }
    case GgufType::int64:
      return std::int64_t(gguf_detail::le(p, 8));
    default:
      return std::nullopt;
  }
}

/// A boolean value; nullopt when absent or not a boolean.
inline std::optional<bool> get_bool(const GgufMetadata& meta, std::string_view key) {
  const GgufEntry* e = find(meta, key);
  if (!e || e->type != GgufType::boolean) return std::nullopt;
  return meta.raw[e->offset] != 0;
}

/// A string value; nullopt when absent or not a string.
inline std::optional<std::string> get_string(const GgufMetadata& meta, std::string_view key) {
  const GgufEntry* e = find(meta, key);
  if (!e || e->type != GgufType::string) return std::nullopt;
  const std::uint64_t n = gguf_detail::le(meta.raw.data() + e->offset, 8);
  const char* s = reinterpret_cast<const char*>(meta.raw.data() + e->offset + 8);
  return std::string(s, std::size_t(n));
}

/// Element i of an array of a numeric or boolean type, as double; nullopt when
/// absent, not such an array, or i out of range.
inline std::optional<double> array_number(const GgufMetadata& meta, std::string_view key, std::uint64_t i) {
  const GgufEntry* e = find(meta, key);
  if (!e || e->type != GgufType::array || i >= e->count) return std::nullopt;
  const std::uint32_t et = std::uint32_t(e->element_type);
  const std::uint64_t s = gguf_detail::fixed_size(et);
  if (s == 0) return std::nullopt;
  const std::uint8_t* p = meta.raw.data() + e->offset + 12 + i * s;
  const std::uint64_t u = gguf_detail::le(p, int(s));
  switch (e->element_type) {
    case GgufType::int8:
      return double(std::int8_t(u));
    case GgufType::int16:
      return double(std::int16_t(u));
    case GgufType::int32:
      return double(std::int32_t(u));
    case GgufType::int64:
      return double(std::int64_t(u));
    case GgufType::float32: {
      float f;
      const std::uint32_t b = std::uint32_t(u);
      std::memcpy(&f, &b, 4);
      return double(f);
    }
    case GgufType::float64: {
      double d;
      std::memcpy(&d, &u, 8);
      return d;
    }
    default:
      return double(u);
  }
}

/// The values of a RoPE tensor read with the metadata, or nullptr.
inline const std::vector<float>* rope_tensor(const GgufMetadata& meta, std::string_view name) {
  for (const auto& t : meta.rope_tensors)
    if (t.first == name) return &t.second;
  return nullptr;
}

}  // namespace gguf
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#include "gguf_model.hpp"

#endif  // ROPEKIT_GGUF_HPP
