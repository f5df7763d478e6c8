// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard runs it: messages 1 and 2 and the
// transport keys they yield (whitepaper §5.4.2-§5.4.5). No sockets, threads or clock reads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/crypto/secret.hh"
#include "controlplane/handshake/cookie.hh"
#include "controlplane/handshake/protocol.hh"

namespace edgerelay::cp {

/// Why a handshake step failed. Every failure leaves the handshake as it was before the call,
/// so a forged or stale message cannot disturb one in progress.
enum class hs_status : uint8_t {
    ok,
    malformed,       ///< wrong length or type
    decrypt_failed,  ///< an AEAD tag did not verify (wrong keys, psk, tampering)
    bad_key,         ///< a Diffie-Hellman result was zero (low-order point) or no identity
    replay,          ///< initiation timestamp not newer than the last one accepted
    flood,           ///< initiation within 1/50 s of the previous accepted one from this peer
    wrong_state,     ///< the step does not follow the current state (e.g. a stray response)
    wrong_index,     ///< response not addressed to our current initiation's index
    wrong_peer,      ///< initiation's static key is not this handshake's remote key
};

/// Printable name of a status, for logs.
std::string_view to_string(hs_status s) noexcept;

/// This node's static identity: its X25519 key pair and the interface's cookie checker.
/// Shared by every per-peer handshake; must outlive them.
struct static_identity {
    crypto::secret32 priv;
    crypto::key32 pub{};
    cookie_checker checker;

    /// Derives the public key and the checker's keys from priv.
    explicit static_identity(const crypto::secret32& private_key);
};

/// Keys and indices of one completed handshake: what the dataplane needs for a keypair.
struct transport_keys {
    crypto::secret32 send_key;
    crypto::secret32 recv_key;
    uint32_t local_index = 0;   ///< receiver index the peer puts on packets to us
    uint32_t remote_index = 0;  ///< receiver index we put on packets to the peer
    bool initiator = false;     ///< we sent message 1
    nanos created{0};           ///< monotonic time of derivation, for REKEY/REJECT_AFTER_TIME
};

/// The result of decrypting an initiation's first half with only our static key: enough to
/// find the peer (remote_static) before the timestamp is opened with that peer's keys.
/// Holds the Noise state in between; wiped on destruction.
struct initiation_opened {
    uint32_t sender_index = 0;
    crypto::key32 remote_ephemeral{};
    crypto::key32 remote_static{};
    crypto::key32 hash{};
    crypto::secret32 chaining_key;
    std::array<uint8_t, 28> encrypted_timestamp{};
};

/// Decrypts an initiation's ephemeral and static parts (the responder's first step).
/// @param local our identity (the initiation was made for its public key).
/// @param msg the whole 148-byte message; macs are the caller's business (check_macs).
/// @param status set on failure: malformed, bad_key or decrypt_failed.
/// @return the opened state, whose remote_static names the peer to look up.
std::optional<initiation_opened> open_initiation(const static_identity& local,
                                                 std::span<const uint8_t> msg,
                                                 hs_status* status = nullptr) noexcept;

/// What an initiation says, for tests against captured traffic of other implementations.
struct initiation_contents {
    uint32_t sender_index = 0;
    crypto::key32 initiator_ephemeral{};
    crypto::key32 initiator_static{};
    tai64n_stamp timestamp{};
};

/// The outcome of inspect_initiation: contents are meaningful only when status is ok.
struct initiation_inspection {
    hs_status status = hs_status::malformed;
    initiation_contents contents;
};

/// Decrypts a whole initiation with our private key alone: the responder side of
/// consume_initiation without peer state, replay or flood checks. (The preshared key is
/// not needed: it enters only at message 2.)
/// @param local_private our static private key.
/// @param msg the 148-byte initiation as received (e.g. captured from wireguard-go).
/// @param expected_peer if given, the initiator's static key must equal it (wrong_peer).
/// @return ok and the contents, or malformed, bad_key, decrypt_failed or wrong_peer.
initiation_inspection inspect_initiation(const crypto::secret32& local_private,
                                         std::span<const uint8_t> msg,
                                         const crypto::key32* expected_peer = nullptr) noexcept;

/// Handshake state with one peer (one per peer, both roles). Not thread-safe.
class handshake {
public:
    enum class state : uint8_t {
        zeroed,
        created_initiation,   ///< we sent message 1, waiting for 2
        consumed_initiation,  ///< we accepted message 1, will send 2
        created_response,     ///< we sent message 2: keys can be derived (responder)
        consumed_response,    ///< we accepted message 2: keys can be derived (initiator)
    };

    /// @param local our identity; must outlive this object.
    /// @param remote_static the peer's static public key.
    /// @param psk the preshared key (all zeros when none is configured, as in WireGuard).
    handshake(const static_identity& local, const crypto::key32& remote_static,
              const crypto::secret32& psk) noexcept;

    /// Recomputes DH(local static, remote static) after the identity's key changed.
    void refresh_static() noexcept;

    /// Builds message 1 (mac1/mac2 left zero: stamp them with the peer's cookie_state).
    /// Any handshake in progress is abandoned. The stamp is whitened to 2^24 ns.
    /// @param wall_now wall-clock time since the Unix epoch, for the TAI64N stamp.
    /// @param local_index the sender index to use; the caller keeps it unique and maps it here.
    /// @param fixed_ephemeral for reproducible test vectors only: use this ephemeral private
    ///        key instead of a fresh one. Leave null in production.
    /// @return the message, or nullopt (bad_key) if DH with the peer's static key is zero.
    std::optional<initiation_msg> create_initiation(
        nanos wall_now, uint32_t local_index,
        const crypto::secret32* fixed_ephemeral = nullptr) noexcept;

    /// Completes consuming an initiation whose opened.remote_static matches this peer:
    /// opens the timestamp and applies replay and flood protection.
    /// @param opened the result of open_initiation.
    /// @param now monotonic time (flood protection: 50 initiations per second at most).
    /// @return ok (state consumed_initiation), wrong_peer, bad_key, decrypt_failed, replay
    ///         or flood.
    hs_status consume_initiation(const initiation_opened& opened, nanos now) noexcept;

    /// Builds message 2 after consume_initiation (mac1/mac2 left zero).
    /// @param local_index the sender index for the new session.
    /// @return the message, or nullopt if the state is not consumed_initiation or a DH fails.
    std::optional<response_msg> create_response(uint32_t local_index) noexcept;

    /// Consumes message 2 for the initiation we sent.
    /// @param msg the 92-byte message (macs checked by the caller).
    /// @return ok (state consumed_response), malformed, wrong_state, wrong_index, bad_key or
    ///         decrypt_failed.
    hs_status consume_response(std::span<const uint8_t> msg) noexcept;

    /// Derives the transport keys once the handshake is complete (created_response or
    /// consumed_response), then wipes the ephemeral state and returns to zeroed.
    /// @param now monotonic time, recorded as the keys' creation time.
    /// @return the keys, or nullopt in any other state.
    std::optional<transport_keys> derive_keys(nanos now) noexcept;

    /// Wipes the ephemeral state; keeps the peer's keys and last timestamp.
    void clear() noexcept;

    state current_state() const noexcept { return _state; }
    const crypto::key32& remote_static() const noexcept { return _remote_static; }
    uint32_t local_index() const noexcept { return _local_index; }
    uint32_t remote_index() const noexcept { return _remote_index; }
    /// The newest initiation timestamp accepted from this peer (zeros if none).
    const tai64n_stamp& latest_timestamp() const noexcept { return _latest_timestamp; }

private:
    const static_identity* _local;
    crypto::key32 _remote_static;
    crypto::secret32 _psk;
    crypto::secret32 _precomputed_ss;  // DH(local static, remote static)
    bool _ss_ok = false;

    state _state = state::zeroed;
    crypto::secret32 _ephemeral_priv;
    crypto::key32 _remote_ephemeral{};
    crypto::key32 _hash{};
    crypto::secret32 _chaining_key;
    uint32_t _local_index = 0;
    uint32_t _remote_index = 0;

    tai64n_stamp _latest_timestamp{};
    std::optional<nanos> _last_initiation_consumption;
};

} // namespace edgerelay::cp
