// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The strict text-format checker: accepted expositions, and one refused example per rule.
#include <gtest/gtest.h>

#include <algorithm>

#include "tools/promcheck/promcheck.hh"

namespace edgerelay::promcheck {
namespace {

const char* good = R"(# A plain comment is ignored.
# HELP edgerelay_up 1 while up.
# TYPE edgerelay_up gauge
edgerelay_up 1

# HELP edgerelay_drops_total Drops, by "reason" with a \\ and a \n in help.
# TYPE edgerelay_drops_total counter
edgerelay_drops_total{reason="no_route"} 3
edgerelay_drops_total{ reason = "odd \"value\" \\ \n" , } 0 1700000000000
edgerelay_drops_total{reason="é"} 1.5e3
# TYPE edgerelay_probe_rtt_seconds histogram
edgerelay_probe_rtt_seconds_bucket{neighbour="b",le="0.001"} 1
edgerelay_probe_rtt_seconds_bucket{neighbour="b",le="0.01"} 4
edgerelay_probe_rtt_seconds_bucket{neighbour="b",le="+Inf"} 4
edgerelay_probe_rtt_seconds_sum{neighbour="b"} 0.0123
edgerelay_probe_rtt_seconds_count{neighbour="b"} 4
edgerelay_probe_rtt_seconds_bucket{neighbour="c",le="1e-3"} 0
edgerelay_probe_rtt_seconds_bucket{neighbour="c",le="+Inf"} 0
edgerelay_probe_rtt_seconds_sum{neighbour="c"} 0
edgerelay_probe_rtt_seconds_count{neighbour="c"} 0
# TYPE g gauge
g{a="1"} NaN
g{a="2"} -Inf
g{a="3"} +Inf
g{a="4"} -0.5
g{a="5"} .5
# TYPE s summary
s{quantile="0.5"} 1
s{quantile="1"} 2
s_sum 3
s_count 2
# TYPE u untyped
u 1
)";

result run(const std::string& text, options opt = {})
{
    return check(text, opt);
}

TEST(promcheck, accepts_a_full_exposition)
{
    auto r = run(good);
    EXPECT_TRUE(r.ok) << describe(r);
    EXPECT_EQ(r.families, 6u);
    EXPECT_EQ(r.samples, 23u);
    EXPECT_EQ(describe(r), "ok: 6 families, 23 samples");
}

TEST(promcheck, accepts_empty_input)
{
    auto r = run("");
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(describe(r), "ok: 0 families, 0 samples");
}

struct bad_case {
    const char* rule;
    std::string text;
    size_t line;
};

// Each rule with an exposition that breaks it, and the line the error must point at.
std::vector<bad_case> bad_cases()
{
    const std::string t = "# TYPE m counter\n";
    const std::string h = "# TYPE h histogram\n";
    return {
        {"no final line feed", t + "m 1", 2},
        {"metric name syntax", "# TYPE 1m counter\n", 1},
        {"metric name syntax in a sample", t + "m-x 1\n", 2},
        {"label name syntax", t + "m{1a=\"x\"} 1\n", 2},
        {"reserved label name", t + "m{__name__=\"x\"} 1\n", 2},
        {"repeated label", t + "m{a=\"x\",a=\"y\"} 1\n", 2},
        {"unknown escape in a label value", t + "m{a=\"\\t\"} 1\n", 2},
        {"unterminated label value", t + "m{a=\"x} 1\n", 2},
        {"missing = in labels", t + "m{a\"x\"} 1\n", 2},
        {"unquoted label value", t + "m{a=x} 1\n", 2},
        {"missing , between labels", t + "m{a=\"x\" b=\"y\"} 1\n", 2},
        {"unknown escape in HELP", "# HELP m bad \\q escape\n", 1},
        {"HELP without a name", "# HELP\n", 1},
        {"no value", t + "m\n", 2},
        {"no blank before the value", t + "m{a=\"x\"}1\n", 2},
        {"value syntax", t + "m 1.2.3\n", 2},
        {"value syntax: hex", t + "m 0x10\n", 2},
        {"value syntax: inf spelled otherwise", "# TYPE g gauge\ng Inf\n", 2},
        {"value syntax: nan spelled otherwise", "# TYPE g gauge\ng nan\n", 2},
        {"value out of range", "# TYPE g gauge\ng 1e999\n", 2},
        {"timestamp syntax", t + "m 1 12.5\n", 2},
        {"text after the timestamp", t + "m 1 12 13\n", 2},
        {"carriage return", t + "m 1\r\n", 2},
        {"not UTF-8", t + "m{a=\"\xff\"} 1\n", 2},
        {"unknown TYPE", "# TYPE m countr\n", 1},
        {"TYPE twice", "# TYPE m counter\n# TYPE m counter\n", 2},
        {"HELP twice", "# HELP m a\n# HELP m b\n", 2},
        {"TYPE after samples (typed)", t + "m 1\n# HELP m late\n", 3},
        {"sample without TYPE", "m 1\n", 1},
        {"samples not contiguous", t + "m{a=\"1\"} 1\n# TYPE n gauge\nn 1\nm{a=\"2\"} 2\n", 5},
        {"TYPE after the family ended", t + "m 1\n# TYPE n gauge\nn 1\n# HELP m again\n", 5},
        {"duplicate series", t + "m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\"} 2\n", 3},
        {"negative counter", t + "m -1\n", 2},
        {"NaN counter", t + "m NaN\n", 2},
        {"histogram without suffix", h + "h 1\n", 2},
        {"bucket without le", h + "h_bucket 1\n", 2},
        {"le not a number", h + "h_bucket{le=\"fast\"} 1\n", 2},
        {"le not sorted", h + "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n", 3},
        {"le repeated", h + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1\n", 3},
        {"buckets not cumulative", h + "h_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 3\n", 3},
        {"no +Inf bucket", h + "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", 2},
        {"+Inf differs from _count", h + "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", 2},
        {"no _count", h + "h_bucket{le=\"+Inf\"} 2\nh_sum 1\n", 2},
        {"no _sum", h + "h_bucket{le=\"+Inf\"} 2\nh_count 2\n", 2},
        {"le on _sum", h + "h_bucket{le=\"+Inf\"} 2\nh_sum{le=\"1\"} 1\n", 3},
        {"bucket after _count", h + "h_bucket{le=\"1\"} 2\nh_count 2\nh_bucket{le=\"+Inf\"} 2\n", 4},
        {"negative bucket", h + "h_bucket{le=\"+Inf\"} -1\n", 2},
        {"summary quantile out of range", "# TYPE s summary\ns{quantile=\"2\"} 1\n", 2},
        {"summary without _count", "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\n", 2},
    };
}

TEST(promcheck, refuses_each_broken_rule_at_its_line)
{
    for (const auto& c : bad_cases()) {
        auto r = run(c.text);
        EXPECT_FALSE(r.ok) << c.rule;
        EXPECT_EQ(r.line, c.line) << c.rule << ": " << describe(r);
        EXPECT_FALSE(r.error.empty()) << c.rule;
        EXPECT_EQ(describe(r).rfind("line " + std::to_string(c.line) + ": ", 0), 0u) << describe(r);
    }
}

TEST(promcheck, untyped_samples_pass_when_allowed)
{
    options opt;
    opt.require_type = false;
    EXPECT_TRUE(run("m 1\nm{a=\"b\"} 2\n", opt).ok);
    EXPECT_FALSE(run("m 1\n").ok);
    // The order rules still hold: a TYPE after the family's samples is refused.
    auto late = run("# HELP m a\nm 1\n# TYPE m counter\n", opt);
    EXPECT_FALSE(late.ok);
    EXPECT_EQ(late.line, 3u);
}

TEST(promcheck, every_prefix_and_mutation_is_answered)
{
    // Totality: truncations and byte flips of a valid exposition never crash or hang, and
    // an error always points at a line that exists.
    std::string text = good;
    auto lines_of = [](const std::string& s) { return size_t(std::count(s.begin(), s.end(), '\n')) + 1; };
    size_t accepted = 0;
    for (size_t n = 0; n <= text.size(); ++n) {
        std::string cut = text.substr(0, n);
        auto r = run(cut);
        accepted += r.ok;
        if (!r.ok) {
            EXPECT_GE(r.line, 1u);
            EXPECT_LE(r.line, lines_of(cut));
        }
    }
    EXPECT_GT(accepted, 0u); // cuts at some line ends are complete expositions
    for (size_t i = 0; i < text.size(); ++i) {
        for (char c : {'\0', '"', '\\', '{', '}', '\n', ' ', '#', 'x', '\xc3'}) {
            std::string m = text;
            m[i] = c;
            auto r = run(m);
            if (!r.ok) {
                EXPECT_GE(r.line, 1u);
                EXPECT_LE(r.line, lines_of(m));
            }
        }
    }
}

} // namespace
} // namespace edgerelay::promcheck
