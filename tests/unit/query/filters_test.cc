#include "query/filters.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using logpipe::query::FieldFilter;
using logpipe::query::is_glob;
using logpipe::query::parse_field_filter;
using logpipe::query::parse_levels;

TEST_CASE("parse_levels: one level means that level and above, in every spelling", "[query]") {
  auto r = parse_levels("warn");
  REQUIRE(r.ok());
  CHECK(r.value() == std::vector<std::string>{"warn", "WARN", "Warn", "warning", "WARNING", "Warning", "error", "ERROR",
                                              "Error", "fatal", "FATAL", "Fatal"});
  auto fatal = parse_levels("FATAL");
  REQUIRE(fatal.ok());
  CHECK(fatal.value() == std::vector<std::string>{"fatal", "FATAL", "Fatal"});
  auto trace = parse_levels("trace");
  REQUIRE(trace.ok());
  CHECK(trace.value().size() == 6 * 3 + 3);  // all six levels plus the "warning" spellings
  auto warning = parse_levels("Warning");
  REQUIRE(warning.ok());
  CHECK(warning.value() == r.value());
}

TEST_CASE("parse_levels: a list means exactly those levels", "[query]") {
  auto r = parse_levels("error, INFO");
  REQUIRE(r.ok());
  CHECK(r.value() == std::vector<std::string>{"error", "ERROR", "Error", "info", "INFO", "Info"});
}

TEST_CASE("parse_levels: unknown levels are an error naming the input", "[query]") {
  const std::string bad = GENERATE(as<std::string>{}, "", "verbose", "warn,", ",warn", "error,nope", "err");
  INFO(bad);
  auto r = parse_levels(bad);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message(), Catch::Contains("'" + bad + "'"));
}

TEST_CASE("parse_field_filter: =, != and ~=", "[query]") {
  auto eq = parse_field_filter("labels.team=core");
  REQUIRE(eq.ok());
  CHECK(eq.value().field == "labels.team");
  CHECK(eq.value().op == FieldFilter::Op::kEq);
  CHECK(eq.value().value == "core");

  auto ne = parse_field_filter("log.logger!=audit");
  REQUIRE(ne.ok());
  CHECK(ne.value().field == "log.logger");
  CHECK(ne.value().op == FieldFilter::Op::kNe);
  CHECK(ne.value().value == "audit");

  auto re = parse_field_filter("error.type~=.*Timeout=.*");
  REQUIRE(re.ok());
  CHECK(re.value().field == "error.type");
  CHECK(re.value().op == FieldFilter::Op::kRegex);
  CHECK(re.value().value == ".*Timeout=.*");

  auto empty_value = parse_field_filter("trace.id=");
  REQUIRE(empty_value.ok());
  CHECK(empty_value.value().value.empty());
}

TEST_CASE("parse_field_filter: bad specs are errors", "[query]") {
  const std::string bad = GENERATE(as<std::string>{}, "", "noequals", "=v", "!=v", "~=v", "a b=c", "a\"=c", "x{=1");
  INFO(bad);
  CHECK_FALSE(parse_field_filter(bad).ok());
}

TEST_CASE("is_glob: '*' and '?' only", "[query]") {
  CHECK(is_glob("web-*"));
  CHECK(is_glob("web-?"));
  CHECK_FALSE(is_glob("web-1"));
  CHECK_FALSE(is_glob("web-[12]"));
}
