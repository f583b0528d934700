#pragma once
// JSON log layouts -> Event, in one pass over the object's members. The layout is recognized by its keys,
// not configured: logback/Logstash encoder (@timestamp, message, logger_name, thread_name, level,
// level_value, stack_trace, MDC members at the top level), log4j2 EcsLayout and Elasticsearch's own
// server JSON (dotted keys: log.level, log.logger, process.thread.name, error.*), log4j
// JSONEventLayoutV1 (exception{exception_class, exception_message, stacktrace}, mdc{}),
// GELF 1.1 (short_message, full_message, numeric timestamp and syslog level, _additional fields),
// python-logstash v0 (@message, @fields{levelname, logger, ...}) and v1 (level, logger_name, stack_trace),
// log4j2 JsonTemplateLayout's bundled templates (EcsLayout, JsonLayout with instant{epochSecond,
// nanoOfSecond} and thrown{name, message, extendedStackTrace[]}, GelfLayout, LogstashJsonEventLayoutV1).
// Every member is recognized by its full dotted path, so nested objects ({"log":{"level":..}}) and dotted
// keys ("log.level") are the same field. Members that are not mapped go to Event::extras (rendered under
// `fields`) as leaves named by their dotted path, bounded by kMaxExtraFields.
// Key table: schemas/event-schema.md. Views point into the parser's buffers or Event::paths. No exceptions.

#include <simdjson.h>

#include "indexer/normalize/event.h"

namespace logpipe::indexer {

void map_json_object(simdjson::dom::object object, Event& ev);

// Keeps `value` under `fields` as `path` (first value of a path wins; nulls and empty objects dropped;
// past kMaxExtraFields the event is marked truncated).
void keep_unmapped(Event& ev, std::string_view path, simdjson::dom::element value);

// A Docker json-file wrapper ({"log": "...\n", "stream": "stdout", "time": "..."}): true if `object`
// is one; `inner` is the wrapped line without its trailing newline, `time` the wrapper's timestamp.
bool docker_wrapper(simdjson::dom::object object, std::string_view& inner, std::string_view& time,
                    std::string_view& stream);

}  // namespace logpipe::indexer
