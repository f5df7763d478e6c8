// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The Prometheus writer: exact output, refused misuse, and random sets accepted by promcheck.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "controlplane/api/prometheus.hh"
#include "tools/promcheck/promcheck.hh"

namespace edgerelay::cp::api {
namespace {

TEST(prometheus, writes_help_type_and_samples)
{
    prometheus_writer w;
    ASSERT_TRUE(w.family("edgerelay_drops_total", "Drops by reason.\nSecond \\ line.", metric_type::counter));
    ASSERT_TRUE(w.sample(metric_labels{{"reason", "no_route"}}, uint64_t(3)));
    ASSERT_TRUE(w.sample(metric_labels{{"reason", "a\"b\\c\nd"}}, uint64_t(0)));
    ASSERT_TRUE(w.family("edgerelay_up", "Up.", metric_type::gauge));
    ASSERT_TRUE(w.sample(0.25));
    EXPECT_EQ(w.str(), "# HELP edgerelay_drops_total Drops by reason.\\nSecond \\\\ line.\n"
                       "# TYPE edgerelay_drops_total counter\n"
                       "edgerelay_drops_total{reason=\"no_route\"} 3\n"
                       "edgerelay_drops_total{reason=\"a\\\"b\\\\c\\nd\"} 0\n"
                       "# HELP edgerelay_up Up.\n"
                       "# TYPE edgerelay_up gauge\n"
                       "edgerelay_up 0.25\n");
    EXPECT_TRUE(w.error().empty());
    EXPECT_TRUE(promcheck::check(w.str()).ok) << promcheck::describe(promcheck::check(w.str()));
}

TEST(prometheus, histograms_are_cumulative_with_inf_sum_and_count)
{
    prometheus_writer w;
    ASSERT_TRUE(w.family("edgerelay_probe_rtt_seconds", "RTT.", metric_type::histogram));
    std::vector<double> bounds{0.001, 0.01, 0.1};
    std::vector<uint64_t> counts{2, 0, 3, 1};
    ASSERT_TRUE(w.histogram(metric_labels{{"neighbour", "b"}}, bounds, counts, 0.75));
    EXPECT_EQ(w.str(), "# HELP edgerelay_probe_rtt_seconds RTT.\n"
                       "# TYPE edgerelay_probe_rtt_seconds histogram\n"
                       "edgerelay_probe_rtt_seconds_bucket{neighbour=\"b\",le=\"0.001\"} 2\n"
                       "edgerelay_probe_rtt_seconds_bucket{neighbour=\"b\",le=\"0.01\"} 2\n"
                       "edgerelay_probe_rtt_seconds_bucket{neighbour=\"b\",le=\"0.1\"} 5\n"
                       "edgerelay_probe_rtt_seconds_bucket{neighbour=\"b\",le=\"+Inf\"} 6\n"
                       "edgerelay_probe_rtt_seconds_sum{neighbour=\"b\"} 0.75\n"
                       "edgerelay_probe_rtt_seconds_count{neighbour=\"b\"} 6\n");
    EXPECT_TRUE(promcheck::check(w.str()).ok);
}

TEST(prometheus, values_format_like_the_spec)
{
    EXPECT_EQ(format_value(1.0), "1");
    EXPECT_EQ(format_value(0.1), "0.1");
    EXPECT_EQ(format_value(-2.5e-9), "-2.5e-09");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
    EXPECT_EQ(format_value(HUGE_VAL), "+Inf");
    EXPECT_EQ(format_value(-HUGE_VAL), "-Inf");
}

TEST(prometheus, names_are_checked)
{
    EXPECT_TRUE(valid_metric_name("edgerelay_up"));
    EXPECT_TRUE(valid_metric_name(":a:b_1"));
    EXPECT_FALSE(valid_metric_name(""));
    EXPECT_FALSE(valid_metric_name("1a"));
    EXPECT_FALSE(valid_metric_name("a-b"));
    EXPECT_FALSE(valid_metric_name("a b"));
    EXPECT_TRUE(valid_label_name("peer"));
    EXPECT_TRUE(valid_label_name("_x9"));
    EXPECT_FALSE(valid_label_name("__name__"));
    EXPECT_FALSE(valid_label_name("a:b"));
    EXPECT_FALSE(valid_label_name("9a"));
}

TEST(prometheus, misuse_writes_nothing_and_is_reported)
{
    prometheus_writer w;
    EXPECT_FALSE(w.sample(uint64_t(1)));                        // no family yet
    EXPECT_FALSE(w.family("bad-name", "x", metric_type::gauge));
    EXPECT_TRUE(w.str().empty());
    ASSERT_TRUE(w.family("c_total", "x", metric_type::counter));
    EXPECT_FALSE(w.sample(-1.0));                               // negative counter
    EXPECT_FALSE(w.sample(std::nan("")));
    EXPECT_FALSE(w.sample(metric_labels{{"9x", "v"}}, uint64_t(1)));
    EXPECT_FALSE(w.sample(metric_labels{{"a", "1"}, {"a", "2"}}, uint64_t(1)));
    EXPECT_TRUE(w.sample(metric_labels{{"a", "1"}, {"b", "2"}}, uint64_t(1)));
    EXPECT_FALSE(w.sample(metric_labels{{"b", "2"}, {"a", "1"}}, uint64_t(1))); // same series
    EXPECT_FALSE(w.family("c_total", "again", metric_type::counter));
    ASSERT_TRUE(w.family("h", "x", metric_type::histogram));
    EXPECT_FALSE(w.sample(uint64_t(1)));                        // plain sample in a histogram
    std::vector<double> unsorted{2, 1};
    std::vector<uint64_t> three{1, 1, 1};
    EXPECT_FALSE(w.histogram({}, unsorted, three, 0));
    std::vector<double> ok_bounds{1, 2};
    std::vector<uint64_t> two{1, 1};
    EXPECT_FALSE(w.histogram({}, ok_bounds, two, 0));            // counts must be bounds + 1
    EXPECT_FALSE(w.histogram(metric_labels{{"le", "1"}}, ok_bounds, three, 0));
    std::vector<double> inf_bound{1, HUGE_VAL};
    EXPECT_FALSE(w.histogram({}, inf_bound, three, 0));
    EXPECT_FALSE(w.family("h_count", "collides with h's _count", metric_type::gauge));
    EXPECT_FALSE(w.error().empty());
    // What was written is still a valid exposition.
    auto r = promcheck::check(w.str());
    EXPECT_TRUE(r.ok) << promcheck::describe(r) << "\n" << w.str();
}

// Property: whatever (valid) metric set is thrown at the writer, promcheck accepts the result.
TEST(prometheus, random_metric_sets_pass_the_checker)
{
    std::mt19937_64 rng(2026);
    auto pick = [&](uint64_t n) { return rng() % n; };
    const std::vector<std::string> values{"", "a", "b\"q", "back\\slash", "new\nline", "é ü", "{}=,", "x y"};
    for (int round = 0; round < 300; ++round) {
        prometheus_writer w;
        size_t families = 1 + pick(8);
        size_t expect_samples = 0;
        for (size_t f = 0; f < families; ++f) {
            auto type = metric_type(pick(3));
            std::string name = "edgerelay_m" + std::to_string(f) + (type == metric_type::counter ? "_total" : "");
            ASSERT_TRUE(w.family(name, values[pick(values.size())], type));
            size_t series = pick(5);
            for (size_t s = 0; s < series; ++s) {
                metric_labels labels;
                if (s > 0 || pick(4) != 0) {
                    labels.emplace_back("id", std::to_string(s)); // keeps the series distinct
                }
                if (pick(2)) {
                    labels.emplace_back("v", values[pick(values.size())]);
                }
                if (type == metric_type::histogram) {
                    std::vector<double> bounds;
                    double b = double(pick(100)) / 1000.0 - 0.05;
                    for (size_t k = pick(6); k > 0; --k) {
                        b += 0.0001 + double(pick(1000)) / 997.0;
                        bounds.push_back(b);
                    }
                    std::vector<uint64_t> counts(bounds.size() + 1);
                    for (auto& c : counts) {
                        c = pick(4) == 0 ? 0 : rng() >> 40;
                    }
                    ASSERT_TRUE(w.histogram(labels, bounds, counts, double(pick(1'000'000)) / 7.0)) << w.error();
                    expect_samples += bounds.size() + 3;
                } else {
                    double v = 0;
                    switch (pick(5)) {
                    case 0: v = double(rng() >> 11); break;
                    case 1: v = double(pick(1'000'000)) / 1024.0; break;
                    case 2: v = 1e300 * double(pick(3)); break;
                    case 3: v = type == metric_type::gauge ? -double(pick(50)) : 0.0; break;
                    default: v = type == metric_type::gauge && pick(2) ? std::nan("") : 0.5; break;
                    }
                    bool ok = pick(2) ? w.sample(labels, v) : w.sample(labels, uint64_t(rng()));
                    ASSERT_TRUE(ok) << w.error();
                    ++expect_samples;
                }
            }
        }
        auto r = promcheck::check(w.str());
        ASSERT_TRUE(r.ok) << promcheck::describe(r) << "\n" << w.str();
        EXPECT_EQ(r.families, families);
        EXPECT_EQ(r.samples, expect_samples);
    }
}

} // namespace
} // namespace edgerelay::cp::api
