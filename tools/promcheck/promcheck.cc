// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The text-format checker: a line tokenizer, then per-family bookkeeping for the cross-line rules.
#include "tools/promcheck/promcheck.hh"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace edgerelay::promcheck {
namespace {

struct check_error {
    std::string message;
};

bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

bool is_metric_name(std::string_view s)
{
    if (s.empty() || !(name_start(s[0]) || s[0] == ':')) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) { return name_char(c) || c == ':'; });
}

bool is_label_name(std::string_view s)
{
    return !s.empty() && name_start(s[0]) && std::all_of(s.begin(), s.end(), name_char);
}

// RFC 3629 UTF-8: no overlongs, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s)
{
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) {
            return false;
        }
        for (size_t k = 1; k <= n; ++k) {
            auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (d & 0x3f);
        }
        static constexpr uint32_t min_for[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

// A sample value: Go's float syntax restricted to decimal, plus exactly NaN, +Inf, -Inf.
bool parse_value(std::string_view s, double& out)
{
    if (s == "NaN") {
        out = std::nan("");
        return true;
    }
    if (s == "+Inf") {
        out = HUGE_VAL;
        return true;
    }
    if (s == "-Inf") {
        out = -HUGE_VAL;
        return true;
    }
    std::string_view body = s;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
        body.remove_prefix(1);
    }
    // Shape check first: from_chars alone would accept "inf", "nan(...)" and hex.
    size_t i = 0, digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
        ++i, ++digits;
    }
    if (i < body.size() && body[i] == '.') {
        ++i;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
            ++i, ++digits;
        }
    }
    if (digits == 0) {
        return false;
    }
    if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
        ++i;
        if (i < body.size() && (body[i] == '+' || body[i] == '-')) {
            ++i;
        }
        size_t exp_digits = 0;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
            ++i, ++exp_digits;
        }
        if (exp_digits == 0) {
            return false;
        }
    }
    if (i != body.size()) {
        return false;
    }
    double v = 0;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
    if (ec != std::errc() || end != body.data() + body.size()) {
        return false; // out of range, as Go's ParseFloat refuses it
    }
    out = s[0] == '-' ? -v : v;
    return true;
}

bool parse_timestamp(std::string_view s)
{
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size();
}

struct sample_line {
    std::string name;
    std::vector<std::pair<std::string, std::string>> labels; // decoded values, in order
    double value = 0;
    std::string value_text;
};

class line_reader {
  public:
    explicit line_reader(std::string_view l) : _l(l) {}

    void skip_blanks()
    {
        while (_i < _l.size() && (_l[_i] == ' ' || _l[_i] == '\t')) {
            ++_i;
        }
    }
    bool at_end() const { return _i >= _l.size(); }
    char peek() const { return _i < _l.size() ? _l[_i] : '\0'; }
    void advance() { ++_i; }
    // A run of non-blank characters.
    std::string_view token()
    {
        size_t start = _i;
        while (_i < _l.size() && _l[_i] != ' ' && _l[_i] != '\t') {
            ++_i;
        }
        return _l.substr(start, _i - start);
    }
    std::string_view name_token(bool metric)
    {
        size_t start = _i;
        while (_i < _l.size() && (name_char(_l[_i]) || (metric && _l[_i] == ':'))) {
            ++_i;
        }
        return _l.substr(start, _i - start);
    }
    std::string_view rest() const { return _l.substr(std::min(_i, _l.size())); }

  private:
    std::string_view _l;
    size_t _i = 0;
};

// Decodes a HELP docstring: only \\ and \n are escapes.
void check_help_escapes(std::string_view s)
{
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            continue;
        }
        if (i + 1 >= s.size() || (s[i + 1] != '\\' && s[i + 1] != 'n')) {
            throw check_error{"invalid escape in HELP text (only \\\\ and \\n)"};
        }
        ++i;
    }
}

sample_line parse_sample(std::string_view l)
{
    line_reader r(l);
    sample_line out;
    r.skip_blanks();
    out.name = std::string(r.name_token(true));
    if (!is_metric_name(out.name)) {
        throw check_error{"invalid metric name"};
    }
    bool blank_after_name = r.peek() == ' ' || r.peek() == '\t';
    r.skip_blanks();
    if (r.peek() == '{') {
        blank_after_name = false;
        r.advance();
        for (;;) {
            r.skip_blanks();
            if (r.peek() == '}') {
                r.advance();
                break;
            }
            std::string name(r.name_token(false));
            if (!is_label_name(name)) {
                throw check_error{"invalid label name"};
            }
            if (name.starts_with("__")) {
                throw check_error{"label name '" + name + "' is reserved (starts with __)"};
            }
            r.skip_blanks();
            if (r.peek() != '=') {
                throw check_error{"expected '=' after label name '" + name + "'"};
            }
            r.advance();
            r.skip_blanks();
            if (r.peek() != '"') {
                throw check_error{"expected '\"' to open the value of label '" + name + "'"};
            }
            r.advance();
            std::string value;
            for (;;) {
                if (r.at_end()) {
                    throw check_error{"unterminated value of label '" + name + "'"};
                }
                char c = r.peek();
                r.advance();
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    char e = r.peek();
                    if (r.at_end() || (e != '\\' && e != '"' && e != 'n')) {
                        throw check_error{"invalid escape in value of label '" + name + "' (only \\\\, \\\" and \\n)"};
                    }
                    r.advance();
                    value += e == 'n' ? '\n' : e;
                    continue;
                }
                value += c;
            }
            if (!valid_utf8(value)) {
                throw check_error{"value of label '" + name + "' is not UTF-8"};
            }
            for (const auto& [k, v] : out.labels) {
                if (k == name) {
                    throw check_error{"label '" + name + "' repeated"};
                }
            }
            out.labels.emplace_back(std::move(name), std::move(value));
            r.skip_blanks();
            if (r.peek() == ',') {
                r.advance();
                continue;
            }
            if (r.peek() == '}') {
                r.advance();
                break;
            }
            throw check_error{"expected ',' or '}' after a label"};
        }
    }
    // Exactly one blank-separated value, then an optional timestamp.
    if (!blank_after_name && r.peek() != ' ' && r.peek() != '\t') {
        throw check_error{r.at_end() ? "sample has no value" : "expected a blank before the value"};
    }
    r.skip_blanks();
    out.value_text = std::string(r.token());
    if (out.value_text.empty()) {
        throw check_error{"sample has no value"};
    }
    if (!parse_value(out.value_text, out.value)) {
        throw check_error{"invalid sample value '" + out.value_text + "'"};
    }
    r.skip_blanks();
    if (!r.at_end()) {
        std::string_view ts = r.token();
        if (!parse_timestamp(ts)) {
            throw check_error{"invalid timestamp '" + std::string(ts) + "' (integer milliseconds)"};
        }
        r.skip_blanks();
        if (!r.at_end()) {
            throw check_error{"unexpected text after the timestamp"};
        }
    }
    return out;
}

// Per (histogram or summary) series, keyed by the labels other than le/quantile.
struct series_state {
    size_t first_line = 0;
    bool has_inf = false;
    double inf_value = 0;
    std::optional<double> last_le;
    double last_bucket = 0;
    bool has_sum = false;
    bool has_count = false;
    double count = 0;
};

struct family_state {
    std::string type; // empty until a TYPE line
    bool help = false;
    size_t samples = 0;
    bool closed = false;
    std::map<std::string, series_state> series; // histograms and summaries only
};

std::string labels_key(const std::vector<std::pair<std::string, std::string>>& labels, std::string_view skip)
{
    std::vector<std::pair<std::string, std::string>> sorted;
    for (const auto& kv : labels) {
        if (kv.first != skip) {
            sorted.push_back(kv);
        }
    }
    std::sort(sorted.begin(), sorted.end());
    std::string key;
    for (const auto& [k, v] : sorted) {
        key += k;
        key += '\0';
        key += v;
        key += '\0';
    }
    return key;
}

const std::string* find_label(const sample_line& s, std::string_view name)
{
    for (const auto& [k, v] : s.labels) {
        if (k == name) {
            return &v;
        }
    }
    return nullptr;
}

class checker {
  public:
    explicit checker(const options& opt) : _opt(opt) {}

    void line(std::string_view l, size_t number)
    {
        _line = number;
        if (!valid_utf8(l)) {
            throw check_error{"line is not valid UTF-8"};
        }
        for (char c : l) {
            if (c == '\r' || c == '\0') {
                throw check_error{c == '\r' ? "carriage return in a line (lines end with \\n only)"
                                            : "NUL byte in a line"};
            }
        }
        std::string_view t = l;
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) {
            t.remove_prefix(1);
        }
        if (t.empty()) {
            return;
        }
        if (t.front() == '#') {
            comment(t);
        } else {
            sample(parse_sample(t));
        }
    }

    void finish()
    {
        if (!_current.empty()) {
            close_family(_current);
        }
    }

    size_t families() const { return _families.size(); }
    size_t samples() const { return _samples; }
    size_t line() const { return _line; }

  private:
    void comment(std::string_view t)
    {
        line_reader r(t);
        r.advance(); // '#'
        r.skip_blanks();
        std::string_view keyword = r.token();
        if (keyword != "HELP" && keyword != "TYPE") {
            return; // a plain comment
        }
        if (r.peek() != ' ' && r.peek() != '\t') {
            throw check_error{"# " + std::string(keyword) + " without a metric name"};
        }
        r.skip_blanks();
        std::string_view name = r.name_token(true);
        if (!is_metric_name(name) || (!r.at_end() && r.peek() != ' ' && r.peek() != '\t')) {
            throw check_error{"invalid metric name in # " + std::string(keyword)};
        }
        std::string fam(name);
        family_state& f = enter(fam, true);
        if (keyword == "HELP") {
            if (f.help) {
                throw check_error{"second HELP for " + fam};
            }
            if (!r.at_end()) {
                r.advance(); // the one blank that separates the docstring
            }
            check_help_escapes(r.rest());
            f.help = true;
            return;
        }
        if (!f.type.empty()) {
            throw check_error{"second TYPE for " + fam};
        }
        r.skip_blanks();
        std::string_view type = r.token();
        r.skip_blanks();
        if (!r.at_end()) {
            throw check_error{"unexpected text after the TYPE"};
        }
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
            type != "untyped") {
            throw check_error{"unknown TYPE '" + std::string(type) + "'"};
        }
        f.type = std::string(type);
    }

    // Makes `fam` the current family. A HELP/TYPE (`declaring`) must come before its samples.
    family_state& enter(const std::string& fam, bool declaring)
    {
        auto it = _families.find(fam);
        if (fam != _current) {
            if (it != _families.end()) {
                throw check_error{declaring ? "HELP/TYPE for " + fam + " after its family ended"
                                            : "samples of " + fam + " are not contiguous"};
            }
            if (!_current.empty()) {
                close_family(_current);
            }
            _current = fam;
            it = _families.emplace(fam, family_state{}).first;
        }
        if (declaring && it->second.samples > 0) {
            throw check_error{"HELP/TYPE for " + fam + " after its samples"};
        }
        return it->second;
    }

    // The family a sample name belongs to: a declared histogram/summary owns its suffixes.
    std::string family_of(const std::string& name) const
    {
        if (_families.contains(name)) {
            return name;
        }
        for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
            if (name.size() > suffix.size() && name.ends_with(suffix)) {
                std::string base = name.substr(0, name.size() - suffix.size());
                auto it = _families.find(base);
                if (it != _families.end() &&
                    (it->second.type == "histogram" || (it->second.type == "summary" && suffix != "_bucket"))) {
                    return base;
                }
            }
        }
        return name;
    }

    void sample(const sample_line& s)
    {
        std::string fam = family_of(s.name);
        family_state& f = enter(fam, false);
        ++f.samples;
        ++_samples;
        if (f.type.empty() && _opt.require_type) {
            throw check_error{"sample of " + fam + " without a TYPE line"};
        }
        if (!_series.insert(s.name + '\0' + labels_key(s.labels, {})).second) {
            throw check_error{"duplicate series " + s.name};
        }
        if (f.type == "counter" && !(s.value >= 0)) {
            throw check_error{"counter " + s.name + " has a negative or NaN value"};
        }
        if (f.type == "histogram") {
            histogram_sample(fam, f, s);
        } else if (f.type == "summary") {
            summary_sample(fam, f, s);
        }
    }

    void histogram_sample(const std::string& fam, family_state& f, const sample_line& s)
    {
        std::string suffix = s.name.substr(fam.size());
        if (suffix.empty()) {
            throw check_error{"histogram " + fam + " sample without _bucket/_sum/_count suffix"};
        }
        const std::string* le = find_label(s, "le");
        series_state& ss = f.series[labels_key(s.labels, "le")];
        if (ss.first_line == 0) {
            ss.first_line = _line;
        }
        if (suffix == "_bucket") {
            if (!le) {
                throw check_error{"histogram bucket without an le label"};
            }
            double bound = 0;
            if (!parse_value(*le, bound) || std::isnan(bound)) {
                throw check_error{"le=\"" + *le + "\" is not a number"};
            }
            if (!(s.value >= 0)) {
                throw check_error{"histogram bucket with a negative or NaN count"};
            }
            if (ss.has_sum || ss.has_count) {
                throw check_error{"histogram bucket after the series' _sum or _count"};
            }
            if (ss.last_le && !(bound > *ss.last_le)) {
                throw check_error{"histogram buckets not sorted by le (or le repeated)"};
            }
            if (ss.last_le && s.value < ss.last_bucket) {
                throw check_error{"histogram buckets not cumulative (count decreases)"};
            }
            ss.last_le = bound;
            ss.last_bucket = s.value;
            if (std::isinf(bound) && bound > 0) {
                ss.has_inf = true;
                ss.inf_value = s.value;
            }
            return;
        }
        if (le) {
            throw check_error{"le label on " + s.name};
        }
        if (suffix == "_sum") {
            ss.has_sum = true;
        } else {
            if (!(s.value >= 0)) {
                throw check_error{"histogram _count negative or NaN"};
            }
            ss.has_count = true;
            ss.count = s.value;
        }
    }

    void summary_sample(const std::string& fam, family_state& f, const sample_line& s)
    {
        const std::string* q = find_label(s, "quantile");
        series_state& ss = f.series[labels_key(s.labels, "quantile")];
        if (ss.first_line == 0) {
            ss.first_line = _line;
        }
        if (s.name == fam) {
            double v = 0;
            if (!q || !parse_value(*q, v) || !(v >= 0 && v <= 1)) {
                throw check_error{"summary sample needs a quantile label in [0, 1]"};
            }
            return;
        }
        if (q) {
            throw check_error{"quantile label on " + s.name};
        }
        if (s.name.ends_with("_count")) {
            if (!(s.value >= 0)) {
                throw check_error{"summary _count negative or NaN"};
            }
            ss.has_count = true;
        } else {
            ss.has_sum = true;
        }
    }

    void close_family(const std::string& fam)
    {
        family_state& f = _families[fam];
        f.closed = true;
        if (f.type != "histogram" && f.type != "summary") {
            return;
        }
        for (const auto& entry : f.series) {
            const auto& ss = entry.second; // a named reference: clang 14 cannot capture a binding
            auto fail = [&](const std::string& m) {
                _line = ss.first_line;
                throw check_error{m};
            };
            if (f.type == "histogram") {
                if (!ss.has_inf) {
                    fail("histogram " + fam + " series has no le=\"+Inf\" bucket");
                }
                if (!ss.has_count) {
                    fail("histogram " + fam + " series has no _count");
                }
                if (!ss.has_sum) {
                    fail("histogram " + fam + " series has no _sum");
                }
                if (ss.count != ss.inf_value) {
                    fail("histogram " + fam + " _count differs from its +Inf bucket");
                }
            } else if (!ss.has_count || !ss.has_sum) {
                fail("summary " + fam + " series lacks _sum or _count");
            }
        }
    }

    options _opt;
    std::map<std::string, family_state> _families;
    std::string _current;
    std::set<std::string> _series;
    size_t _samples = 0;
    size_t _line = 0;
};

} // namespace

result check(std::string_view text, const options& opt)
{
    result res;
    checker c(opt);
    size_t number = 0;
    try {
        size_t pos = 0;
        while (pos < text.size()) {
            size_t nl = text.find('\n', pos);
            ++number;
            if (nl == std::string_view::npos) {
                c.line(text.substr(pos), number);
                throw check_error{"last line does not end with a line feed"};
            }
            c.line(text.substr(pos, nl - pos), number);
            pos = nl + 1;
        }
        c.finish();
    } catch (const check_error& e) {
        res.line = c.line() ? c.line() : number;
        res.error = e.message;
        res.families = c.families();
        res.samples = c.samples();
        return res;
    } catch (const std::exception& e) {
        res.line = number;
        res.error = std::string("internal error: ") + e.what();
        return res;
    }
    res.ok = true;
    res.families = c.families();
    res.samples = c.samples();
    return res;
}

std::string describe(const result& r)
{
    if (r.ok) {
        return "ok: " + std::to_string(r.families) + " families, " + std::to_string(r.samples) + " samples";
    }
    return "line " + std::to_string(r.line) + ": " + r.error;
}

} // namespace edgerelay::promcheck
