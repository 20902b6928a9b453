import Lifecycle
import Platform

/// The platform's clocks and durations in the domain's types.
extension Clock {
    static func now() -> Timestamp { Timestamp(milliseconds: epochMilliseconds()) }
}

extension GitConfig {
    /// A duration setting (`90s`, `10m`, `1h`) as a domain time span.
    func timeSpan(_ key: String) throws -> TimeSpan? {
        try milliseconds(key).map { TimeSpan(milliseconds: $0) }
    }

    static func parseTimeSpan(_ text: String) -> TimeSpan? {
        parseMilliseconds(text).map { TimeSpan(milliseconds: $0) }
    }
}


/// RFC 3339 in UTC with milliseconds.
func isoTimestamp(_ time: Timestamp) -> String { isoTimestamp(milliseconds: time.milliseconds) }
