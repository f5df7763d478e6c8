// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// A libtorrent plugin answering the edgerelay_key query, and the reader's side of it.
#include "controlplane/dht/key_plugin.hh"

#include <cstring>

namespace edgerelay::cp::dht {

namespace lt = libtorrent;

bool key_plugin::on_dht_request(lt::string_view query, lt::udp::endpoint const& /*source*/,
                                lt::bdecode_node const& /*message*/, lt::entry& response)
{
    if (query != key_query) {
        return false;  // not ours: libtorrent answers (or refuses) it as usual
    }
    // libtorrent has already put "t", "y" and our node id in the reply; we add to "r".
    response["r"]["k"] = std::string(reinterpret_cast<const char*>(_key.data()), _key.size());
    return true;
}

lt::entry key_request()
{
    lt::entry e;
    e["q"] = key_query;
    e["a"] = lt::entry::dictionary_type();
    return e;
}

std::optional<std::array<uint8_t, 32>> parse_key_response(lt::bdecode_node const& msg)
{
    if (msg.type() != lt::bdecode_node::dict_t) {
        return std::nullopt;
    }
    lt::bdecode_node r = msg.dict_find_dict("r");
    if (!r) {
        return std::nullopt;
    }
    lt::bdecode_node k = r.dict_find_string("k");
    if (!k || k.string_length() != 32) {
        return std::nullopt;
    }
    std::array<uint8_t, 32> key;
    std::memcpy(key.data(), k.string_ptr(), 32);
    return key;
}

} // namespace edgerelay::cp::dht
