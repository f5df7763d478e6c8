// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The deterministic IPv6 ULA each relay's control plane answers health probes on.
#include "controlplane/health/probe_address.hh"

#include <algorithm>
#include <string_view>

#include "common/crypto/blake2s.hh"

namespace edgerelay::cp::health {

namespace {
// Domain separation: the same key hashed for another purpose never yields this address.
constexpr std::string_view address_label = "edgerelay probe address v1";
} // namespace

probe_addr probe_address(const crypto::key32& wg_public_key) noexcept
{
    const auto* label = reinterpret_cast<const uint8_t*>(address_label.data());
    const crypto::key32 h = crypto::blake2s(
        {crypto::bytes_view(label, address_label.size()), crypto::bytes_view(wg_public_key)});
    probe_addr a{};
    std::copy(probe_prefix.begin(), probe_prefix.end(), a.begin());
    std::copy_n(h.begin(), a.size() - probe_prefix.size(), a.begin() + probe_prefix.size());
    return a;
}

bool is_probe_shaped(std::span<const uint8_t, 16> addr) noexcept
{
    return std::equal(probe_prefix.begin(), probe_prefix.end(), addr.begin());
}

} // namespace edgerelay::cp::health
