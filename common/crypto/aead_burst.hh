// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// ChaCha20-Poly1305 over a burst of packets with Intel ipsec-mb, as WireGuard's transport uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

struct IMB_MGR;

namespace edgerelay::crypto {

inline constexpr size_t aead_key_len = 32;
inline constexpr size_t aead_tag_len = 16;

/// One AEAD operation. WireGuard's transport construction: nonce = 32 zero bits ||
/// 64-bit little-endian counter, no additional data.
struct aead_op {
    const uint8_t* key = nullptr; ///< 32-byte key
    uint64_t counter = 0;         ///< nonce counter
    const uint8_t* src = nullptr; ///< input: plaintext (seal) or ciphertext without tag (open)
    uint8_t* dst = nullptr;       ///< output, same length as input; may equal src (in place)
    uint32_t len = 0;             ///< input length in bytes, 0 allowed (keepalive)
    uint8_t* tag = nullptr;       ///< seal: 16 bytes written here; open: the 16 received bytes
    bool ok = false;              ///< set by seal()/open(): false on tag mismatch or engine error
};

/// One per worker: wraps an IMB_MGR, which is not thread-safe. Construct at start-up
/// (may throw std::runtime_error); seal() and open() never throw, allocate or block.
class aead_burst_engine {
public:
    /// Ops handed to ipsec-mb at once; longer spans are processed in chunks of this size.
    static constexpr size_t max_ops_per_call = 64;

    aead_burst_engine();
    ~aead_burst_engine();
    aead_burst_engine(const aead_burst_engine&) = delete;
    aead_burst_engine& operator=(const aead_burst_engine&) = delete;

    /// The ipsec-mb code path chosen for this CPU: "avx512", "avx2", "avx" or "sse".
    const char* arch() const noexcept { return _arch; }

    /// Encrypts each op's src into dst and writes its tag. Sets ok on every op.
    void seal(std::span<aead_op> ops) noexcept;

    /// Decrypts each op's src into dst and checks its tag in constant time.
    /// ok=false means the tag did not verify: dst holds garbage and must be dropped.
    void open(std::span<aead_op> ops) noexcept;

private:
    void run_chunk(aead_op* ops, size_t n, bool encrypt) noexcept;

    IMB_MGR* _mgr = nullptr;
    const char* _arch = "none";
    // Per-chunk scratch, owned by this engine (one per worker): the IVs must live until the
    // job completes, and open() computes each tag here before comparing it with the received one.
    alignas(64) uint8_t _iv[max_ops_per_call][16] = {};
    alignas(64) uint8_t _tag[max_ops_per_call][16] = {};
    alignas(16) uint8_t _empty[16] = {};  // stands in for null src/dst of zero-length ops
};

} // namespace edgerelay::crypto
