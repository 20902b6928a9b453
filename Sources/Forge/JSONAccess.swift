import Platform

/// Lenient readers for GitHub's JSON: a missing field, a null and a value of another type all
/// read as nil, so an odd payload degrades to "unknown" instead of a crash.
extension JSONValue {
    var int: Int? {
        // `Int(exactly:)`: `Int(1e300)` traps, and a number GitHub wrote as 1e300 is no count or id.
        if case .number(let text) = self { return Int(text) ?? Double(text).flatMap { Int(exactly: $0) } }
        return nil
    }

    var int64: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var string: String? { stringValue }

    /// `value["a"]?["b"]` in one call: `value.at("a", "b")`.
    func at(_ keys: String...) -> JSONValue? {
        var current: JSONValue? = self
        for key in keys { current = current?[key] }
        return current
    }
}

extension JSONValue {
    static func from(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    static func from(_ value: Int?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
    static func from(_ value: Int64?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
}
