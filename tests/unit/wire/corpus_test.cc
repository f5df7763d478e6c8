// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The fuzz seeds of tests/fuzz/corpus/wire: how they are made, and a check of the checked-in copy.
//
// Regenerate with: EDGERELAY_WIRE_WRITE_CORPUS=tests/fuzz/corpus/wire build/tests/unit/wire/wire
//   --gtest_filter='corpus.*'
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/wire/headers.hh"
#include "common/wire/parse.hh"
#include "common/wire/wireguard.hh"
#include "tests/unit/wire/frames.hh"

namespace edgerelay::wire {
namespace {

using test::bytes;

struct seed {
    const char* name;
    verdict outer;   // parse_outer's verdict
    uint8_t wg_type; // classify_wg's type when outer is ok
    bytes frame;
};

bytes transport(uint8_t family, size_t plain)
{
    auto m = test::wg_message(message_type_transport, plain);
    if (plain >= 40) {
        auto in = family == 4 ? test::inner_v4(plain, transport_padded_len(plain))
                              : test::inner_v6(plain - 40, transport_padded_len(plain));
        std::copy(in.begin(), in.end(), m.begin() + 16);
    }
    return m;
}

std::vector<seed> make_seeds()
{
    auto t4 = test::make_template(4, false);
    auto t6 = test::make_template(6, false);
    std::vector<seed> s;
    s.push_back({"ipv4_initiation", verdict::ok, 1, test::make_frame(t4, test::wg_message(1))});
    s.push_back({"ipv4_response", verdict::ok, 2, test::make_frame(t4, test::wg_message(2))});
    s.push_back({"ipv4_cookie_reply", verdict::ok, 3, test::make_frame(t4, test::wg_message(3))});
    s.push_back({"ipv4_transport", verdict::ok, 4, test::make_frame(t4, transport(4, 60))});
    s.push_back({"ipv4_keepalive", verdict::ok, 4, test::make_frame(t4, transport(4, 0))});
    s.push_back({"ipv6_initiation", verdict::ok, 1, test::make_frame(t6, test::wg_message(1))});
    s.push_back({"ipv6_transport", verdict::ok, 4, test::make_frame(t6, transport(6, 72))});
    s.push_back({"vlan_ipv4_response", verdict::ok, 2,
                 test::make_frame(test::make_template(4, true), test::wg_message(2))});
    s.push_back({"vlan_ipv6_transport", verdict::ok, 4,
                 test::make_frame(test::make_template(6, true), transport(6, 48))});
    auto frag = test::make_frame(t4, transport(4, 60));
    store_be16(&frag[20], ipv4_flag_mf);
    test::fix_ipv4_checksum(frag, 14);
    s.push_back({"ipv4_fragment", verdict::ipv4_fragment, 0, frag});
    auto ext = test::make_frame(t6, test::wg_message(1));
    ext[14 + 6] = 0; // hop-by-hop options
    s.push_back({"ipv6_ext_header", verdict::ipv6_ext_header, 0, ext});
    return s;
}

void check_seed(const seed& s, const bytes& f)
{
    outer_info o;
    ASSERT_EQ(parse_outer(f, o), s.outer) << s.name;
    if (s.outer == verdict::ok) {
        uint8_t type = 0;
        EXPECT_EQ(classify_wg({f.data() + o.payload_offset, o.payload_len}, type), verdict::ok)
            << s.name;
        EXPECT_EQ(type, s.wg_type) << s.name;
    }
}

TEST(corpus, seeds_parse_as_named)
{
    const char* out_dir = std::getenv("EDGERELAY_WIRE_WRITE_CORPUS");
    for (const auto& s : make_seeds()) {
        check_seed(s, s.frame);
        if (out_dir != nullptr) {
            std::ofstream(std::filesystem::path(out_dir) / s.name, std::ios::binary)
                .write(reinterpret_cast<const char*>(s.frame.data()),
                       static_cast<std::streamsize>(s.frame.size()));
        }
    }
}

TEST(corpus, checked_in_seeds_parse_as_named)
{
    std::filesystem::path dir = EDGERELAY_WIRE_CORPUS_DIR;
    if (!std::filesystem::exists(dir / "ipv4_initiation")) {
        GTEST_SKIP() << "no seeds in " << dir;
    }
    for (const auto& s : make_seeds()) {
        std::ifstream in(dir / s.name, std::ios::binary);
        ASSERT_TRUE(in) << "missing seed " << s.name;
        bytes f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        check_seed(s, f);
    }
}

} // namespace
} // namespace edgerelay::wire
