#include "query/time_expr.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <string>

using logpipe::query::format_local_millis;
using logpipe::query::parse_time_point;
using logpipe::query::shift_time_point;
using logpipe::query::Zone;

namespace {

std::string point(const std::string& s, Zone zone = Zone::kUtc) {
  auto r = parse_time_point(s, "--from", zone);
  return r.ok() ? r.value() : "<error>";
}

// Runs `body` with TZ set to `tz`, then restores it.
template <class F>
void with_tz(const char* tz, F body) {
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("TZ", tz, 1);
  ::tzset();
  body();
  if (old != nullptr) ::setenv("TZ", saved.c_str(), 1); else ::unsetenv("TZ");
  ::tzset();
}

}  // namespace

TEST_CASE("parse_time_point: RFC 3339 becomes UTC with microseconds", "[query]") {
  CHECK(point("2024-03-05T10:11:12Z") == "2024-03-05T10:11:12.000000Z");
  CHECK(point("2024-03-05T11:11:12.5+01:00") == "2024-03-05T10:11:12.500000Z");
  CHECK(point("2024-03-05 10:11:12.123456789z") == "2024-03-05T10:11:12.123456Z");
}

TEST_CASE("parse_time_point: relative forms stay date math for Elasticsearch", "[query]") {
  CHECK(point("now") == "now");
  CHECK(point("now-2h") == "now-2h");
  CHECK(point("now+5m") == "now+5m");
  CHECK(point("now-007d") == "now-7d");
  CHECK(point("2h ago") == "now-2h");
  CHECK(point("15m ago") == "now-15m");
  CHECK(point("30s ago") == "now-30s");
}

TEST_CASE("parse_time_point: zone-less times are read in the chosen zone", "[query]") {
  CHECK(point("2024-03-05T10:11:12", Zone::kUtc) == "2024-03-05T10:11:12.000000Z");
  with_tz("CET-1CEST,M3.5.0,M10.5.0/3", [] {
    CHECK(point("2024-03-05T10:11:12", Zone::kLocal) == "2024-03-05T09:11:12.000000Z");  // winter: +01:00
    CHECK(point("2024-07-05T10:11:12", Zone::kLocal) == "2024-07-05T08:11:12.000000Z");  // summer: +02:00
    CHECK(point("2024-07-05T10:11:12Z", Zone::kLocal) == "2024-07-05T10:11:12.000000Z");  // explicit zone wins
  });
}

TEST_CASE("parse_time_point: bad expressions name the flag and the input", "[query]") {
  const std::string bad = GENERATE(as<std::string>{}, "", "yesterday", "now-", "now-2", "now-2x", "now-0h", "now*2h",
                                   "2h", "ago", " ago", "2 h ago", "-2h ago", "2024-13-05T10:11:12Z",
                                   "2024-03-05T10:11:12+25:00", "2024-03-05", "2024-03-05T10:11Z", "now-2h ");
  INFO("'" << bad << "'");
  auto r = parse_time_point(bad, "--to", Zone::kUtc);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message(), Catch::StartsWith("bad --to '" + bad + "'"));
}

TEST_CASE("shift_time_point: date math for --around/--window", "[query]") {
  CHECK(shift_time_point("now-2h", '-', "5m") == "now-2h-5m");
  CHECK(shift_time_point("now", '+', "30s") == "now+30s");
  CHECK(shift_time_point("2024-03-05T10:11:12.000000Z", '-', "5m") == "2024-03-05T10:11:12.000000Z||-5m");
  CHECK(shift_time_point("2024-03-05T10:11:12.000000Z", '+', "1h") == "2024-03-05T10:11:12.000000Z||+1h");
}

TEST_CASE("format_local_millis: local wall clock with its offset", "[query]") {
  with_tz("UTC0", [] { CHECK(format_local_millis(1709633472123456) == "2024-03-05T10:11:12.123+00:00"); });
  with_tz("CET-1CEST,M3.5.0,M10.5.0/3", [] { CHECK(format_local_millis(1709633472123456) == "2024-03-05T11:11:12.123+01:00"); });
  with_tz("<-0330>3:30", [] { CHECK(format_local_millis(1709633472000000) == "2024-03-05T06:41:12.000-03:30"); });
}
