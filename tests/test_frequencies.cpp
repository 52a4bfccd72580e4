// Frequency tables: every scaling method against independently derived values.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ropekit/frequencies.hpp>

namespace {

using ropekit::Frequencies;
using ropekit::RopeSpec;
namespace scaling = ropekit::scaling;

// ---------------------------------------------------------------------------
// Expected tables. Derived by tests/tools/derive_frequencies.py, which writes
// each method's published formula in the float32 steps Hugging Face
// transformers takes (each tensor op one float32 rounding, pow correctly
// rounded via mpmath). The bar is agreement within 1 ulp.
// ---------------------------------------------------------------------------
const std::vector<float> kDefault128 = {
    0x1.0000000000000p+0f,  0x1.bb5fae0000000p-1f,  0x1.7ff2220000000p-1f,  0x1.4c7bc00000000p-1f,
    0x1.1feb340000000p-1f,  0x1.f2a79e0000000p-2f,  0x1.afd1360000000p-2f,  0x1.75f0360000000p-2f,
    0x1.43d1360000000p-2f,  0x1.186a080000000p-2f,  0x1.e5a8460000000p-3f,  0x1.a48fda0000000p-3f,
    0x1.6c310e0000000p-3f,  0x1.3b60800000000p-3f,  0x1.111aee0000000p-3f,  0x1.d8ffac0000000p-4f,
    0x1.99999a0000000p-4f,  0x1.62b2f00000000p-4f,  0x1.33281a0000000p-4f,  0x1.09fc9a0000000p-4f,
    0x1.ccab840000000p-5f,  0x1.8eec7e0000000p-5f,  0x1.59742a0000000p-5f,  0x1.2b26900000000p-5f,
    0x1.030dc60000000p-5f,  0x1.c0a9a40000000p-6f,  0x1.84869e0000000p-6f,  0x1.5073160000000p-6f,
    0x1.235a720000000p-6f,  0x1.f89a660000000p-7f,  0x1.b4f7e40000000p-7f,  0x1.7a66220000000p-7f,
    0x1.47ae140000000p-7f,  0x1.1bc25a0000000p-7f,  0x1.eb73600000000p-8f,  0x1.a9942a0000000p-8f,
    0x1.7089380000000p-8f,  0x1.3f23980000000p-8f,  0x1.145cee0000000p-8f,  0x1.dea41c0000000p-9f,
    0x1.9e7c700000000p-9f,  0x1.66ee1e0000000p-9f,  0x1.36d21a0000000p-9f,  0x1.0d28de0000000p-9f,
    0x1.d22a500000000p-10f, 0x1.93aeb80000000p-10f, 0x1.5d931c0000000p-10f, 0x1.2eb81c0000000p-10f,
    0x1.0624de0000000p-10f, 0x1.c603c40000000p-11f, 0x1.8929180000000p-11f, 0x1.5476880000000p-11f,
    0x1.26d42c0000000p-11f, 0x1.fe9f580000000p-12f, 0x1.ba2e4a0000000p-12f, 0x1.7ee9ae0000000p-12f,
    0x1.4b96c00000000p-12f, 0x1.1f24e40000000p-12f, 0x1.f1502a0000000p-13f, 0x1.aea7c80000000p-13f,
    0x1.74eea60000000p-13f, 0x1.42f22c0000000p-13f, 0x1.17a8e40000000p-13f, 0x1.e459c40000000p-14f};
const std::vector<float> kDefault96 = {
    0x1.0000000000000p+0f,  0x1.a69b600000000p-1f,  0x1.5cd2500000000p-1f,  0x1.1feb340000000p-1f,
    0x1.db4c780000000p-2f,  0x1.8850440000000p-2f,  0x1.43d1360000000p-2f,  0x1.0b47b40000000p-2f,
    0x1.b93a6a0000000p-3f,  0x1.6c310e0000000p-3f,  0x1.2c9af40000000p-3f,  0x1.f03dde0000000p-4f,
    0x1.99999a0000000p-4f,  0x1.5215e60000000p-4f,  0x1.170ea80000000p-4f,  0x1.ccab840000000p-5f,
    0x1.7c3d2a0000000p-5f,  0x1.39d9d20000000p-5f,  0x1.030dc60000000p-5f,  0x1.aba5ec0000000p-6f,
    0x1.60fb8c0000000p-6f,  0x1.235a720000000p-6f,  0x1.e0f7ec0000000p-7f,  0x1.8cfe500000000p-7f,
    0x1.47ae140000000p-7f,  0x1.0e77f00000000p-7f,  0x1.be7dd20000000p-8f,  0x1.7089380000000p-8f,
    0x1.3030f40000000p-8f,  0x1.f629460000000p-9f,  0x1.9e7c700000000p-9f,  0x1.561e5c0000000p-9f,
    0x1.1a62d20000000p-9f,  0x1.d22a500000000p-10f, 0x1.80c65c0000000p-10f, 0x1.3d983a0000000p-10f,
    0x1.0624de0000000p-10f, 0x1.b0bfe40000000p-11f, 0x1.6531740000000p-11f, 0x1.26d42c0000000p-11f,
    0x1.e6b4b80000000p-12f, 0x1.91ba9e0000000p-12f, 0x1.4b96c00000000p-12f, 0x1.11b1e40000000p-12f,
    0x1.c3d14e0000000p-13f, 0x1.74eea60000000p-13f, 0x1.33d1e40000000p-13f, 0x1.fc26c60000000p-14f};
const std::vector<float> kLinear = {
    0x1.0000000000000p-2f,  0x1.bb5fae0000000p-3f,  0x1.7ff2220000000p-3f,  0x1.4c7bc00000000p-3f,
    0x1.1feb340000000p-3f,  0x1.f2a79e0000000p-4f,  0x1.afd1360000000p-4f,  0x1.75f0360000000p-4f,
    0x1.43d1360000000p-4f,  0x1.186a080000000p-4f,  0x1.e5a8460000000p-5f,  0x1.a48fda0000000p-5f,
    0x1.6c310e0000000p-5f,  0x1.3b60800000000p-5f,  0x1.111aee0000000p-5f,  0x1.d8ffac0000000p-6f,
    0x1.99999a0000000p-6f,  0x1.62b2f00000000p-6f,  0x1.33281a0000000p-6f,  0x1.09fc9a0000000p-6f,
    0x1.ccab840000000p-7f,  0x1.8eec7e0000000p-7f,  0x1.59742a0000000p-7f,  0x1.2b26900000000p-7f,
    0x1.030dc60000000p-7f,  0x1.c0a9a40000000p-8f,  0x1.84869e0000000p-8f,  0x1.5073160000000p-8f,
    0x1.235a720000000p-8f,  0x1.f89a660000000p-9f,  0x1.b4f7e40000000p-9f,  0x1.7a66220000000p-9f,
    0x1.47ae140000000p-9f,  0x1.1bc25a0000000p-9f,  0x1.eb73600000000p-10f, 0x1.a9942a0000000p-10f,
    0x1.7089380000000p-10f, 0x1.3f23980000000p-10f, 0x1.145cee0000000p-10f, 0x1.dea41c0000000p-11f,
    0x1.9e7c700000000p-11f, 0x1.66ee1e0000000p-11f, 0x1.36d21a0000000p-11f, 0x1.0d28de0000000p-11f,
    0x1.d22a500000000p-12f, 0x1.93aeb80000000p-12f, 0x1.5d931c0000000p-12f, 0x1.2eb81c0000000p-12f,
    0x1.0624de0000000p-12f, 0x1.c603c40000000p-13f, 0x1.8929180000000p-13f, 0x1.5476880000000p-13f,
    0x1.26d42c0000000p-13f, 0x1.fe9f580000000p-14f, 0x1.ba2e4a0000000p-14f, 0x1.7ee9ae0000000p-14f,
    0x1.4b96c00000000p-14f, 0x1.1f24e40000000p-14f, 0x1.f1502a0000000p-15f, 0x1.aea7c80000000p-15f,
    0x1.74eea60000000p-15f, 0x1.42f22c0000000p-15f, 0x1.17a8e40000000p-15f, 0x1.e459c40000000p-16f};
const std::vector<float> kNtkAware = {
    0x1.0000000000000p+0f,  0x1.acfa6a0000000p-1f,  0x1.676b220000000p-1f,  0x1.2d23580000000p-1f,
    0x1.f89daa0000000p-2f,  0x1.a6ca980000000p-2f,  0x1.623c260000000p-2f,  0x1.28cb880000000p-2f,
    0x1.f156960000000p-3f,  0x1.a0b1a00000000p-3f,  0x1.5d204a0000000p-3f,  0x1.2483be0000000p-3f,
    0x1.ea2a620000000p-4f,  0x1.9aaf2a0000000p-4f,  0x1.58174a0000000p-4f,  0x1.204bc20000000p-4f,
    0x1.e318ac0000000p-5f,  0x1.94c2e60000000p-5f,  0x1.5320e20000000p-5f,  0x1.1c235a0000000p-5f,
    0x1.dc210c0000000p-6f,  0x1.8eec7e0000000p-6f,  0x1.4e3cce0000000p-6f,  0x1.180a4c0000000p-6f,
    0x1.d543260000000p-7f,  0x1.892ba20000000p-7f,  0x1.496ac60000000p-7f,  0x1.14005e0000000p-7f,
    0x1.ce7e980000000p-8f,  0x1.8380080000000p-8f,  0x1.44aa8c0000000p-8f,  0x1.10055c0000000p-8f,
    0x1.c7d30a0000000p-9f,  0x1.7de95a0000000p-9f,  0x1.3ffbdc0000000p-9f,  0x1.0c190a0000000p-9f,
    0x1.c1401a0000000p-10f, 0x1.7867500000000p-10f, 0x1.3b5e760000000p-10f, 0x1.083b340000000p-10f,
    0x1.bac5720000000p-11f, 0x1.72f99c0000000p-11f, 0x1.36d21a0000000p-11f, 0x1.046ba60000000p-11f,
    0x1.b462b60000000p-12f, 0x1.6d9ff20000000p-12f, 0x1.3256860000000p-12f, 0x1.00aa280000000p-12f,
    0x1.ae178c0000000p-13f, 0x1.685a080000000p-13f, 0x1.2deb820000000p-13f, 0x1.f9ed120000000p-14f,
    0x1.a7e39e0000000p-14f, 0x1.6327980000000p-14f, 0x1.2990cc0000000p-14f, 0x1.f2a1280000000p-15f,
    0x1.a1c6960000000p-15f, 0x1.5e08580000000p-15f, 0x1.25462c0000000p-15f, 0x1.eb70300000000p-16f,
    0x1.9bc0220000000p-16f, 0x1.58fbfe0000000p-16f, 0x1.210b620000000p-16f, 0x1.e459c40000000p-17f};
const std::vector<float> kDynamic = {
    0x1.0000000000000p+0f,  0x1.ade36e0000000p-1f,  0x1.68f2020000000p-1f,  0x1.2f0f1a0000000p-1f,
    0x1.fce98c0000000p-2f,  0x1.ab4bbe0000000p-2f,  0x1.66c4c40000000p-2f,  0x1.2d3b3a0000000p-2f,
    0x1.f9d7dc0000000p-3f,  0x1.a8b8100000000p-3f,  0x1.649ae00000000p-3f,  0x1.2b6a2a0000000p-3f,
    0x1.f6caea0000000p-4f,  0x1.a6285c0000000p-4f,  0x1.6274540000000p-4f,  0x1.299bea0000000p-4f,
    0x1.f3c2ac0000000p-5f,  0x1.a39c9a0000000p-5f,  0x1.60511a0000000p-5f,  0x1.27d0740000000p-5f,
    0x1.f0bf1c0000000p-6f,  0x1.a114c80000000p-6f,  0x1.5e312c0000000p-6f,  0x1.2607c20000000p-6f,
    0x1.edc0340000000p-7f,  0x1.9e90de0000000p-7f,  0x1.5c14880000000p-7f,  0x1.2441d00000000p-7f,
    0x1.eac5ec0000000p-8f,  0x1.9c10d60000000p-8f,  0x1.59fb240000000p-8f,  0x1.227e9c0000000p-8f,
    0x1.e7d0400000000p-9f,  0x1.9994ac0000000p-9f,  0x1.57e5000000000p-9f,  0x1.20be220000000p-9f,
    0x1.e4df200000000p-10f, 0x1.971c560000000p-10f, 0x1.55d2120000000p-10f, 0x1.1f005a0000000p-10f,
    0x1.e1f2900000000p-11f, 0x1.94a7d20000000p-11f, 0x1.53c25a0000000p-11f, 0x1.1d45440000000p-11f,
    0x1.df0a800000000p-12f, 0x1.9237180000000p-12f, 0x1.51b5d20000000p-12f, 0x1.1b8cda0000000p-12f,
    0x1.dc26ee0000000p-13f, 0x1.8fca220000000p-13f, 0x1.4fac720000000p-13f, 0x1.19d7180000000p-13f,
    0x1.d947d40000000p-14f, 0x1.8d60e80000000p-14f, 0x1.4da6340000000p-14f, 0x1.1823f80000000p-14f,
    0x1.d66d260000000p-15f, 0x1.8afb6a0000000p-15f, 0x1.4ba31a0000000p-15f, 0x1.1673780000000p-15f,
    0x1.d396e00000000p-16f, 0x1.88999e0000000p-16f, 0x1.49a31a0000000p-16f, 0x1.14c5960000000p-16f};
const std::vector<float> kNtkByParts = {
    0x1.0000000000000p+0f,  0x1.bb5fae0000000p-1f,  0x1.7ff2220000000p-1f,  0x1.4c7bc00000000p-1f,
    0x1.1feb340000000p-1f,  0x1.f2a79e0000000p-2f,  0x1.afd1360000000p-2f,  0x1.75f0360000000p-2f,
    0x1.43d1360000000p-2f,  0x1.186a080000000p-2f,  0x1.e5a8460000000p-3f,  0x1.a48fda0000000p-3f,
    0x1.6c310e0000000p-3f,  0x1.3b60800000000p-3f,  0x1.111aee0000000p-3f,  0x1.d8ffac0000000p-4f,
    0x1.99999a0000000p-4f,  0x1.62b2f00000000p-4f,  0x1.33281a0000000p-4f,  0x1.09fc9a0000000p-4f,
    0x1.ccab840000000p-5f,  0x1.808a1e0000000p-5f,  0x1.408a8e0000000p-5f,  0x1.0aca640000000p-5f,
    0x1.bb616c0000000p-6f,  0x1.6fc6220000000p-6f,  0x1.3078420000000p-6f,  0x1.f70e880000000p-7f,
    0x1.9e9e400000000p-7f,  0x1.54d9860000000p-7f,  0x1.17685a0000000p-7f,  0x1.c8a02a0000000p-8f,
    0x1.73ca700000000p-8f,  0x1.2d7e800000000p-8f,  0x1.e6b9a40000000p-9f,  0x1.86cbbe0000000p-9f,
    0x1.37d6920000000p-9f,  0x1.ee0d420000000p-10f, 0x1.83f89c0000000p-10f, 0x1.2d73aa0000000p-10f,
    0x1.ce4fb60000000p-11f, 0x1.5c93900000000p-11f, 0x1.01065a0000000p-11f, 0x1.6f81a80000000p-12f,
    0x1.f606300000000p-13f, 0x1.3e49c80000000p-13f, 0x1.5d931c0000000p-14f, 0x1.2eb81c0000000p-14f,
    0x1.0624de0000000p-14f, 0x1.c603c40000000p-15f, 0x1.8929180000000p-15f, 0x1.5476880000000p-15f,
    0x1.26d42c0000000p-15f, 0x1.fe9f580000000p-16f, 0x1.ba2e4a0000000p-16f, 0x1.7ee9ae0000000p-16f,
    0x1.4b96c00000000p-16f, 0x1.1f24e40000000p-16f, 0x1.f1502a0000000p-17f, 0x1.aea7c80000000p-17f,
    0x1.74eea60000000p-17f, 0x1.42f22c0000000p-17f, 0x1.17a8e40000000p-17f, 0x1.e459c40000000p-18f};
const std::vector<float> kYarnQwen = {
    0x1.0000000000000p+0f,  0x1.9c975a0000000p-1f,  0x1.4c7bc00000000p-1f,  0x1.0bedde0000000p-1f,
    0x1.afd1360000000p-2f,  0x1.5bf9fe0000000p-2f,  0x1.186a080000000p-2f,  0x1.c3f06a0000000p-3f,
    0x1.6c310e0000000p-3f,  0x1.257b220000000p-3f,  0x1.d8ffac0000000p-4f,  0x1.7d298c0000000p-4f,
    0x1.33281a0000000p-4f,  0x1.ef0a260000000p-5f,  0x1.8eec7e0000000p-5f,  0x1.41783a0000000p-5f,
    0x1.030dc60000000p-5f,  0x1.a183500000000p-6f,  0x1.5073160000000p-6f,  0x1.0f20100000000p-6f,
    0x1.b4f7e40000000p-7f,  0x1.6020a40000000p-7f,  0x1.1bc25a0000000p-7f,  0x1.c9548c0000000p-8f,
    0x1.6046ee0000000p-8f,  0x1.0ec7100000000p-8f,  0x1.9f4aa00000000p-9f,  0x1.3da4900000000p-9f,
    0x1.e483be0000000p-10f, 0x1.7057800000000p-10f, 0x1.17040e0000000p-10f, 0x1.a4fb700000000p-11f,
    0x1.3c1d640000000p-11f, 0x1.d832d00000000p-12f, 0x1.5e7a040000000p-12f, 0x1.02387c0000000p-12f,
    0x1.79277c0000000p-13f, 0x1.107c6e0000000p-13f, 0x1.847d340000000p-14f, 0x1.103a140000000p-14f,
    0x1.74eea60000000p-15f, 0x1.2c86480000000p-15f, 0x1.e459c40000000p-16f, 0x1.864f6a0000000p-16f,
    0x1.3a87480000000p-16f, 0x1.faeba80000000p-17f, 0x1.987f7c0000000p-17f, 0x1.492f560000000p-17f,
    0x1.0945640000000p-17f, 0x1.ab88820000000p-18f, 0x1.58863a0000000p-18f, 0x1.15a1da0000000p-18f,
    0x1.bf749e0000000p-19f, 0x1.68941c0000000p-19f, 0x1.2291c60000000p-19f, 0x1.d44e640000000p-20f,
    0x1.7961820000000p-20f, 0x1.301c040000000p-20f, 0x1.ea20e00000000p-21f, 0x1.8af7560000000p-21f,
    0x1.3e47c80000000p-21f, 0x1.007bd80000000p-21f, 0x1.9d5ef20000000p-22f, 0x1.4d1c980000000p-22f};
const std::vector<float> kYarnNoTruncate = {
    0x1.0000000000000p+0f,  0x1.60ca6a0000000p-1f,  0x1.e62d440000000p-2f,  0x1.4eff540000000p-2f,
    0x1.cda7f40000000p-3f,  0x1.3e19fa0000000p-3f,  0x1.b65f3c0000000p-4f,  0x1.2e0ec80000000p-4f,
    0x1.a043280000000p-5f,  0x1.03bbaa0000000p-5f,  0x1.3cc8e00000000p-6f,  0x1.7bd9280000000p-7f,
    0x1.bd50800000000p-8f,  0x1.f9fc280000000p-9f,  0x1.1270060000000p-9f,  0x1.13eef00000000p-10f,
    0x1.dea8780000000p-12f, 0x1.0f33720000000p-13f, 0x1.415b8c0000000p-15f, 0x1.badbf80000000p-16f,
    0x1.3126500000000p-16f, 0x1.a485f40000000p-17f, 0x1.21c2580000000p-17f, 0x1.8f50560000000p-18f,
    0x1.1325180000000p-18f, 0x1.7b2c8e0000000p-19f, 0x1.05448a0000000p-19f, 0x1.680cd00000000p-20f,
    0x1.f02e500000000p-21f, 0x1.55e4000000000p-21f, 0x1.d727d60000000p-22f, 0x1.44a5a60000000p-22f};
const std::vector<float> kLlama3 = {
    0x1.0000000000000p+0f,  0x1.a115820000000p-1f,  0x1.53c38c0000000p-1f,  0x1.14c7080000000p-1f,
    0x1.c2ef780000000p-2f,  0x1.6f56fa0000000p-2f,  0x1.2b3dc60000000p-2f,  0x1.e788c20000000p-3f,
    0x1.8d27600000000p-3f,  0x1.4387400000000p-3f,  0x1.078d400000000p-3f,  0x1.ad63380000000p-4f,
    0x1.5dc95a0000000p-4f,  0x1.1cf1300000000p-4f,  0x1.d03cce0000000p-5f,  0x1.7a2d080000000p-5f,
    0x1.3411900000000p-5f,  0x1.f5ea7e0000000p-6f,  0x1.98de920000000p-6f,  0x1.4d12720000000p-6f,
    0x1.0f53860000000p-6f,  0x1.ba0dd80000000p-7f,  0x1.681ada0000000p-7f,  0x1.2558fe0000000p-7f,
    0x1.ddee9e0000000p-8f,  0x1.8554ec0000000p-8f,  0x1.3d28040000000p-8f,  0x1.025c6a0000000p-8f,
    0x1.a4ee400000000p-9f,  0x1.1bfa0c0000000p-9f,  0x1.67a23a0000000p-10f, 0x1.c12f3c0000000p-11f,
    0x1.132ba40000000p-11f, 0x1.47e2100000000p-12f, 0x1.765ba40000000p-13f, 0x1.90d10c0000000p-14f,
    0x1.46831a0000000p-14f, 0x1.09fb7e0000000p-14f, 0x1.b159020000000p-15f, 0x1.6103320000000p-15f,
    0x1.1f91f00000000p-15f, 0x1.d484de0000000p-16f, 0x1.7da9e80000000p-16f, 0x1.36e8ea0000000p-16f,
    0x1.fa8b860000000p-17f, 0x1.9ca3ea0000000p-17f, 0x1.5024d60000000p-17f, 0x1.11d41e0000000p-17f,
    0x1.be21880000000p-18f, 0x1.6b6d0e0000000p-18f, 0x1.280d960000000p-18f, 0x1.e257000000000p-19f,
    0x1.88ec200000000p-19f, 0x1.4014d20000000p-19f, 0x1.04be680000000p-19f, 0x1.a8d0100000000p-20f,
    0x1.5a0f4e0000000p-20f, 0x1.19e8000000000p-20f, 0x1.cb4a9a0000000p-21f, 0x1.76258e0000000p-21f,
    0x1.30c94e0000000p-21f, 0x1.f091840000000p-22f, 0x1.9483600000000p-22f, 0x1.4985fe0000000p-22f};
const std::vector<float> kLongRopeShort = {
    0x1.0000000000000p+0f,  0x1.a26c360000000p-1f,  0x1.55fb5e0000000p-1f,  0x1.1788640000000p-1f,
    0x1.c9049a0000000p-2f,  0x1.75a1c80000000p-2f,  0x1.317cec0000000p-2f,  0x1.f396c60000000p-3f,
    0x1.988b6a0000000p-3f,  0x1.4e1eea0000000p-3f,  0x1.11470c0000000p-3f,  0x1.bf10880000000p-4f,
    0x1.6db6dc0000000p-4f,  0x1.2b30d40000000p-4f,  0x1.e992fa0000000p-5f,  0x1.9095260000000p-5f,
    0x1.47cacc0000000p-5f,  0x1.0c3fa40000000p-5f,  0x1.b713020000000p-6f,  0x1.675e400000000p-6f,
    0x1.2626f40000000p-6f,  0x1.e193620000000p-7f,  0x1.8a3c860000000p-7f,  0x1.42c2440000000p-7f,
    0x1.0842100000000p-7f,  0x1.b0bfe80000000p-8f,  0x1.625bbc0000000p-8f,  0x1.222f940000000p-8f,
    0x1.db4c7e0000000p-9f,  0x1.8545b20000000p-9f,  0x1.3ed5e00000000p-9f,  0x1.0528c40000000p-9f,
    0x1.abdb8a0000000p-10f, 0x1.5e800e0000000p-10f, 0x1.1f253a0000000p-10f, 0x1.d682b40000000p-11f,
    0x1.8181820000000p-11f, 0x1.3be0280000000p-11f, 0x1.02d5ec0000000p-11f, 0x1.a836d00000000p-12f,
    0x1.5ba5aa0000000p-12f, 0x1.1cea080000000p-12f, 0x1.d306cc0000000p-13f, 0x1.7eca420000000p-13f,
    0x1.39c3200000000p-13f, 0x1.0131d40000000p-13f, 0x1.a5abca0000000p-14f, 0x1.59ae680000000p-14f};
const std::vector<float> kLongRopeLong = {
    0x1.0000000000000p+0f,  0x1.e2fab60000000p-2f,  0x1.170ea60000000p-2f,  0x1.625c8e0000000p-3f,
    0x1.db4c780000000p-4f,  0x1.4a5e8a0000000p-4f,  0x1.d701c40000000p-5f,  0x1.561e580000000p-5f,
    0x1.f842c40000000p-6f,  0x1.77f0940000000p-6f,  0x1.1aec320000000p-6f,  0x1.ad2e980000000p-7f,
    0x1.47ae140000000p-7f,  0x1.f732740000000p-8f,  0x1.8440ec0000000p-8f,  0x1.2cd8800000000p-8f,
    0x1.d3fc820000000p-9f,  0x1.6d35520000000p-9f,  0x1.1dda3c0000000p-9f,  0x1.c0ae140000000p-10f,
    0x1.60fb8c0000000p-10f, 0x1.164ec20000000p-10f, 0x1.b7be180000000p-11f, 0x1.5c0c8c0000000p-11f,
    0x1.13f0e80000000p-11f, 0x1.b63a3a0000000p-12f, 0x1.5c7b2e0000000p-12f, 0x1.157c660000000p-12f,
    0x1.ba75c00000000p-13f, 0x1.612b180000000p-13f, 0x1.1a340a0000000p-13f, 0x1.c374980000000p-14f,
    0x1.69743e0000000p-14f, 0x1.21a7f60000000p-14f, 0x1.d0a2400000000p-15f, 0x1.74f4860000000p-15f,
    0x1.2b97d80000000p-15f, 0x1.e1ab4a0000000p-16f, 0x1.8376bc0000000p-16f, 0x1.37e2900000000p-16f,
    0x1.f667fa0000000p-17f, 0x1.94e4680000000p-17f, 0x1.467ccc0000000p-17f, 0x1.0767d60000000p-17f,
    0x1.a93d760000000p-18f, 0x1.576b6c0000000p-18f, 0x1.1578b00000000p-18f, 0x1.c093380000000p-19f};
const std::vector<float> kProportional = {0x1.0000000000000p-3f,
                                          0x1.dc73f00000000p-4f,
                                          0x1.bb5fae0000000p-4f,
                                          0x1.9c975a0000000p-4f,
                                          0x1.7ff2220000000p-4f,
                                          0x1.654a0c0000000p-4f,
                                          0x1.4c7bc00000000p-4f,
                                          0x1.3566560000000p-4f,
                                          0x1.1feb340000000p-4f,
                                          0x1.0bedde0000000p-4f,
                                          0x1.f2a79e0000000p-5f,
                                          0x1.d008be0000000p-5f,
                                          0x1.afd1360000000p-5f,
                                          0x1.91d6480000000p-5f,
                                          0x1.75f0360000000p-5f,
                                          0x1.5bf9fe0000000p-5f,
                                          0x1.43d1360000000p-5f,
                                          0x1.2d55d40000000p-5f,
                                          0x1.186a080000000p-5f,
                                          0x1.04f2120000000p-5f,
                                          0x1.e5a8460000000p-6f,
                                          0x1.c3f06a0000000p-6f,
                                          0x1.a48fda0000000p-6f,
                                          0x1.875cf80000000p-6f,
                                          0x1.6c310e0000000p-6f,
                                          0x1.52e8120000000p-6f,
                                          0x1.3b60800000000p-6f,
                                          0x1.257b220000000p-6f,
                                          0x1.111aee0000000p-6f,
                                          0x1.fc49c00000000p-7f,
                                          0x1.d8ffac0000000p-7f,
                                          0x1.b828cc0000000p-7f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f,
                                          0x0.0p+0f};

int ulp_distance(float a, float b) {
  if (a == b) return 0;
  if (std::isnan(a) || std::isnan(b) || (a < 0) != (b < 0)) return 1 << 30;
  std::int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  return std::abs(ia - ib);
}

void expect_table(const std::vector<float>& got, const std::vector<float>& expected, int max_ulps = 1) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_LE(ulp_distance(got[i], expected[i]), max_ulps) << "pair " << i << ": " << got[i] << " vs " << expected[i];
}

RopeSpec spec(std::int64_t dim, double base, ropekit::Scaling s) {
  RopeSpec r;
  r.rotary_dim = dim;
  r.base = base;
  r.scaling = s;
  return r;
}

TEST(Frequencies, DefaultMatchesDerivedTables) {
  expect_table(ropekit::frequencies(spec(128, 10000.0, scaling::None{})).inv_freq, kDefault128);
  expect_table(ropekit::frequencies(spec(96, 10000.0, scaling::None{})).inv_freq, kDefault96);
}

TEST(Frequencies, DefaultHandDerivedValues) {
  // inv_freq[i] = base^(-2i/dim): pair 0 is 1; pair 1 of dim 128, base 1e4 is
  // 10^(-4/64) = 10^-0.0625 = 0.86596432336...; pair 32 is 10^-2 = 0.01; the
  // last pair (63) is 10^(-4*126/128) = 10^-3.9375 = 1.15478198...e-4.
  const auto f = ropekit::frequencies(spec(128, 10000.0, scaling::None{}));
  EXPECT_EQ(f.inv_freq[0], 1.0f);
  EXPECT_LE(ulp_distance(f.inv_freq[1], 0.86596432336f), 1);
  EXPECT_LE(ulp_distance(f.inv_freq[32], 0.01f), 1);
  EXPECT_LE(ulp_distance(f.inv_freq[63], 1.15478198468946e-4f), 1);
  EXPECT_EQ(f.attention_factor, 1.0f);
}

TEST(Frequencies, Linear) {
  scaling::Linear s;
  s.factor = 4.0;
  expect_table(ropekit::frequencies(spec(128, 10000.0, s)).inv_freq, kLinear);
}

TEST(Frequencies, NtkAware) {
  scaling::NtkAware s;
  s.alpha = 8.0;
  const auto f = ropekit::frequencies(spec(128, 10000.0, s));
  expect_table(f.inv_freq, kNtkAware);
  // Hand check: the last pair equals base'^(-126/128) with base' = 1e4 * 8^(128/126).
  const double base = 1e4 * std::pow(8.0, 128.0 / 126.0);
  EXPECT_NEAR(f.inv_freq[63], std::pow(base, -126.0 / 128.0), 1e-6 * f.inv_freq[63]);
}

TEST(Frequencies, DynamicNtk) {
  scaling::DynamicNtk s;
  s.factor = 2.0;
  s.original_max_position_embeddings = 4096;
  expect_table(ropekit::frequencies(spec(128, 10000.0, s), 16384).inv_freq, kDynamic);
  // At or below the original length (and for seq_len 0) it is the default table.
  for (std::int64_t len : {0, 1, 4095, 4096})
    EXPECT_EQ(ropekit::frequencies(spec(128, 10000.0, s), len).inv_freq, kDefault128) << len;
  // Longer sequences give lower frequencies (a larger base), monotonically.
  const auto a = ropekit::frequencies(spec(128, 10000.0, s), 8192).inv_freq;
  const auto b = ropekit::frequencies(spec(128, 10000.0, s), 32768).inv_freq;
  for (std::size_t i = 1; i < a.size(); ++i) EXPECT_LT(b[i], a[i]);
}

TEST(Frequencies, NtkByParts) {
  scaling::NtkByParts s;
  s.factor = 16.0;
  s.original_max_position_embeddings = 4096;
  const auto f = ropekit::frequencies(spec(128, 10000.0, s));
  expect_table(f.inv_freq, kNtkByParts);
  EXPECT_EQ(f.attention_factor, 1.0f);
}

TEST(Frequencies, YarnQwenStyle) {
  scaling::Yarn s;
  s.factor = 4.0;
  s.original_max_position_embeddings = 32768;
  const auto f = ropekit::frequencies(spec(128, 1000000.0, s));
  expect_table(f.inv_freq, kYarnQwen);
  // 0.1 ln 4 + 1 = 1.1386294361...
  EXPECT_FLOAT_EQ(f.attention_factor, 1.13862943649292f);
}

TEST(Frequencies, YarnWithoutTruncation) {
  scaling::Yarn s;
  s.factor = 32.0;
  s.original_max_position_embeddings = 4096;
  s.truncate = false;
  expect_table(ropekit::frequencies(spec(64, 150000.0, s)).inv_freq, kYarnNoTruncate);
}

TEST(Frequencies, YarnAttentionFactorRules) {
  scaling::Yarn s;
  s.factor = 40.0;
  s.original_max_position_embeddings = 4096;
  s.mscale = 0.707;
  s.mscale_all_dim = 1.0;
  // (0.1*0.707*ln 40 + 1) / (0.1*ln 40 + 1) = 1.26080 / 1.36889 = 0.921042...
  EXPECT_FLOAT_EQ(ropekit::frequencies(spec(64, 10000.0, s)).attention_factor, 0.9210423827171326f);
  s.mscale_all_dim.reset();  // only mscale set: the plain rule 0.1 ln 40 + 1
  EXPECT_FLOAT_EQ(ropekit::frequencies(spec(64, 10000.0, s)).attention_factor, float(0.1 * std::log(40.0) + 1.0));
  s.attention_factor = 0.5;  // given: used as is
  EXPECT_EQ(ropekit::frequencies(spec(64, 10000.0, s)).attention_factor, 0.5f);
  s.attention_factor.reset();
  s.factor = 0.5;  // get_mscale(s <= 1) = 1
  EXPECT_EQ(ropekit::frequencies(spec(64, 10000.0, s)).attention_factor, 1.0f);
}

TEST(Frequencies, Llama3) {
  const scaling::Llama3 s{8.0, 1.0, 4.0, 8192};  // Llama 3.1
  const auto f = ropekit::frequencies(spec(128, 500000.0, s));
  expect_table(f.inv_freq, kLlama3);
  // Hand check of the three regions. wavelen_i = 2 pi / inv_i. Pair 0
  // (wavelen 6.28 < 2048) is kept: 1. Pair 63: base^(-126/128) =
  // 500000^-0.984375 = 2.4480...e-6, wavelen 2.57e6 > 8192, so divided by 8.
  EXPECT_EQ(f.inv_freq[0], 1.0f);
  EXPECT_NEAR(f.inv_freq[63], std::pow(500000.0, -126.0 / 128.0) / 8.0, 1e-6 * f.inv_freq[63]);
  const auto plain = ropekit::frequencies(spec(128, 500000.0, scaling::None{})).inv_freq;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const double wavelen = 2 * M_PI / plain[i];
    if (wavelen < 2048) {
      EXPECT_EQ(f.inv_freq[i], plain[i]) << i;
    }
    if (wavelen > 8192) {
      EXPECT_LE(ulp_distance(f.inv_freq[i], plain[i] / 8.0f), 0) << i;
    }
    if (wavelen >= 2048 && wavelen <= 8192) {
      // s = (8192 / wavelen - 1) / 3 in [0, 1]; result between inv/8 and inv.
      const double smooth = (8192.0 / wavelen - 1.0) / 3.0;
      EXPECT_NEAR(f.inv_freq[i], (1 - smooth) * plain[i] / 8.0 + smooth * plain[i], 4e-7 * plain[i]) << i;
    }
  }
}

TEST(Frequencies, LongRope) {
  scaling::LongRope s;
  for (int i = 0; i < 48; ++i) {
    s.short_factor.push_back(1.0 + 0.01 * i);
    s.long_factor.push_back(1.0 + 0.75 * i);
  }
  s.original_max_position_embeddings = 4096;
  s.max_position_embeddings = 131072;
  const auto short_table = ropekit::frequencies(spec(96, 10000.0, s), 4096);
  const auto long_table = ropekit::frequencies(spec(96, 10000.0, s), 4097);
  expect_table(short_table.inv_freq, kLongRopeShort);
  expect_table(long_table.inv_freq, kLongRopeLong);
  // factor = 131072 / 4096 = 32: sqrt(1 + ln 32 / ln 4096) = sqrt(1 + 5/12) = 1.1902380714...
  EXPECT_FLOAT_EQ(short_table.attention_factor, 1.190238118171692f);
  EXPECT_EQ(long_table.attention_factor, short_table.attention_factor);
  s.factor = 1.0;  // factor <= 1: no attention scaling
  EXPECT_EQ(ropekit::frequencies(spec(96, 10000.0, s)).attention_factor, 1.0f);
}

TEST(Frequencies, Proportional) {
  scaling::Proportional s;
  s.partial_rotary_factor = 0.25;
  s.factor = 8.0;
  const auto f = ropekit::frequencies(spec(256, 10000.0, s));
  expect_table(f.inv_freq, kProportional);
  // int(0.25 * 256 / 2) = 32 rotating pairs; the rest are zero.
  for (std::size_t i = 32; i < f.inv_freq.size(); ++i) EXPECT_EQ(f.inv_freq[i], 0.0f);
  EXPECT_GT(f.inv_freq[31], 0.0f);
}

// Properties --------------------------------------------------------------

std::vector<ropekit::Scaling> unit_factor_methods() {
  const scaling::Linear linear{1.0};
  const scaling::NtkAware ntk{1.0};
  const scaling::DynamicNtk dynamic{1.0, 2048};
  const scaling::NtkByParts parts{1.0, 2048};
  const scaling::Yarn yarn{1.0, 2048};
  const scaling::Llama3 llama{1.0, 1.0, 4.0, 8192};
  scaling::LongRope longrope;
  longrope.short_factor.assign(64, 1.0);
  longrope.long_factor.assign(64, 1.0);
  longrope.original_max_position_embeddings = 2048;
  const scaling::Proportional prop{1.0};
  return {scaling::None{}, linear, ntk, dynamic, parts, yarn, llama, longrope, prop};
}

TEST(FrequencyProperties, FactorOneIsTheDefaultTable) {
  for (const auto& method : unit_factor_methods()) {
    // seq_len within the original context: dynamic NTK rescales longer
    // sequences by L / orig even with factor 1, by its definition.
    const auto f = ropekit::frequencies(spec(128, 10000.0, method), 2048);
    ASSERT_EQ(f.inv_freq.size(), 64u) << method.index();
    // Exact, except Llama-3: its blend (1 - s) * inv / 1 + s * inv is two
    // float32 products and a sum (as the reference evaluates it), which may
    // round to a neighbour: 1 ulp.
    const int tolerance = std::holds_alternative<scaling::Llama3>(method) ? 1 : 0;
    for (std::size_t i = 0; i < 64; ++i)
      EXPECT_LE(ulp_distance(f.inv_freq[i], kDefault128[i]), tolerance) << "method " << method.index() << " pair " << i;
    EXPECT_EQ(f.attention_factor, 1.0f) << method.index();
  }
}

TEST(FrequencyProperties, BlendsKeepHighAndDivideLowFrequencies) {
  const double factor = 8.0;
  scaling::NtkByParts parts;
  parts.factor = factor;
  parts.original_max_position_embeddings = 4096;
  scaling::Yarn yarn;
  yarn.factor = factor;
  yarn.original_max_position_embeddings = 4096;
  const scaling::Llama3 llama{factor, 1.0, 4.0, 4096};
  for (const ropekit::Scaling& method : {ropekit::Scaling(parts), ropekit::Scaling(yarn), ropekit::Scaling(llama)}) {
    const auto f = ropekit::frequencies(spec(128, 10000.0, method)).inv_freq;
    EXPECT_EQ(f[0], kDefault128[0]) << method.index();
    EXPECT_EQ(f[1], kDefault128[1]) << method.index();
    EXPECT_LE(ulp_distance(f[63], kDefault128[63] / float(factor)), 1) << method.index();
    // Between: decreasing, and never outside [inv/factor, inv].
    for (std::size_t i = 1; i < f.size(); ++i) {
      EXPECT_LT(f[i], f[i - 1]) << method.index() << " pair " << i;
      EXPECT_LE(f[i], kDefault128[i] * 1.0000001f);
      EXPECT_GE(f[i], kDefault128[i] / float(factor) * 0.9999999f);
    }
  }
}

TEST(FrequencyProperties, TablesAreMonotone) {
  scaling::Linear linear;
  linear.factor = 3.0;
  scaling::NtkAware ntk;
  ntk.alpha = 4.0;
  for (const ropekit::Scaling& method :
       {ropekit::Scaling(scaling::None{}), ropekit::Scaling(linear), ropekit::Scaling(ntk)}) {
    const auto f = ropekit::frequencies(spec(80, 50000.0, method)).inv_freq;
    for (std::size_t i = 1; i < f.size(); ++i) EXPECT_LT(f[i], f[i - 1]);
  }
}

// Validation ----------------------------------------------------------------

void expect_error(const RopeSpec& s, const std::string& needle, std::int64_t seq_len = 0) {
  try {
    ropekit::frequencies(s, seq_len);
    ADD_FAILURE() << "no error for " << needle;
  } catch (const ropekit::error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(FrequencyValidation, NamesFieldAndValue) {
  expect_error(spec(7, 10000.0, scaling::None{}), "rotary_dim = 7");
  expect_error(spec(0, 10000.0, scaling::None{}), "rotary_dim = 0");
  expect_error(spec(-4, 10000.0, scaling::None{}), "rotary_dim = -4");
  expect_error(spec(64, 1.0, scaling::None{}), "base = 1");
  expect_error(spec(64, std::nan(""), scaling::None{}), "base = nan");
  expect_error(spec(64, 10000.0, scaling::None{}), "seq_len = -1", -1);
  scaling::Linear linear;
  linear.factor = 0.0;
  expect_error(spec(64, 10000.0, linear), "factor = 0");
  scaling::Yarn yarn;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 4096;
  yarn.beta_fast = 1.0;
  yarn.beta_slow = 2.0;
  expect_error(spec(64, 10000.0, yarn), "beta_fast = 1");
  yarn.beta_fast = 32.0;
  yarn.beta_slow = 1.0;
  yarn.original_max_position_embeddings = 0;
  expect_error(spec(64, 10000.0, yarn), "original_max_position_embeddings = 0");
  scaling::LongRope lr;
  lr.original_max_position_embeddings = 4096;
  lr.short_factor.assign(31, 1.0);
  lr.long_factor.assign(32, 1.0);
  expect_error(spec(64, 10000.0, lr), "short_factor.size() = 31");
  lr.short_factor.assign(32, 1.0);
  lr.long_factor[5] = -1.0;
  expect_error(spec(64, 10000.0, lr), "long_factor[5] = -1");
  scaling::Llama3 llama{8.0, 1.0, 4.0, 8192};
  llama.high_freq_factor = 1.0;
  expect_error(spec(64, 10000.0, llama), "high_freq_factor = 1");
  scaling::Proportional prop;
  prop.partial_rotary_factor = 1.5;
  expect_error(spec(64, 10000.0, prop), "partial_rotary_factor = 1.5");
  scaling::DynamicNtk dyn;
  dyn.factor = -2.0;
  dyn.original_max_position_embeddings = 10;
  expect_error(spec(64, 10000.0, dyn), "factor = -2");
}

}  // namespace
