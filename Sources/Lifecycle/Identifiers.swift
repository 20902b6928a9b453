/// Small domain types, so a session id is never confused with a branch name or a sha.

/// A session's id: short, unique within one repository, stable for the session's life.
public struct SessionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: SessionID, b: SessionID) -> Bool { a.rawValue < b.rawValue }

    /// The alphabet ids are drawn from: lower-case letters and digits without the look-alikes
    /// (0/o, 1/l/i), so an id read aloud or off a screen is typed back right.
    public static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    /// Length of generated ids: 31^6 is about 887 million, so collisions inside one
    /// repository are rare and are retried anyway.
    public static let length = 6

    /// Builds an id from random numbers (the caller supplies the randomness, so this stays pure).
    /// The first character is always a letter: ids are then never all digits and never start
    /// with something a command line could read as an option or a number.
    public static func make(random: (Int) -> Int) -> SessionID {
        let letters = alphabet.filter(\.isLetter)
        var chars: [Character] = [letters[random(letters.count)]]
        while chars.count < length { chars.append(alphabet[random(alphabet.count)]) }
        return SessionID(String(chars))
    }
}

/// A local branch name, without `refs/heads/`.
public struct BranchName: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public var refName: String { "refs/heads/" + rawValue }
}

/// A full hexadecimal commit id.
public struct CommitSHA: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public var short: String { String(rawValue.prefix(7)) }
}

/// A point in time, in milliseconds since the Unix epoch. Lifecycle never reads a clock:
/// callers pass `now` in, which keeps every rule testable with fixed times.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let milliseconds: Int64
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public init(seconds: Int64) { self.milliseconds = seconds * 1000 }
    public var seconds: Int64 { milliseconds / 1000 }
    public var description: String { "\(milliseconds)ms" }
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }
    public static func + (a: Timestamp, d: TimeSpan) -> Timestamp { Timestamp(milliseconds: a.milliseconds + d.milliseconds) }
    public static func - (a: Timestamp, b: Timestamp) -> TimeSpan { TimeSpan(milliseconds: a.milliseconds - b.milliseconds) }
}

/// A span of time in milliseconds. Not the standard library's `Duration`, whose attosecond
/// precision nobody here needs and whose name would clash in every module that imports this one.
public struct TimeSpan: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let milliseconds: Int64
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public static func seconds(_ s: Int64) -> TimeSpan { TimeSpan(milliseconds: s * 1000) }
    public static func minutes(_ m: Int64) -> TimeSpan { TimeSpan(milliseconds: m * 60_000) }
    public var seconds: Int64 { milliseconds / 1000 }
    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.milliseconds < b.milliseconds }
    public var description: String { "\(milliseconds)ms" }

    /// How an age reads: `.compact` for table cells ("42s", "5m", "3h", "2d"), `.spoken` for
    /// sentences ("42 s", "5 min", "3 h", "2 d"). Negative spans read as zero.
    public enum AgeStyle: Sendable { case compact, spoken }

    /// A configured period as it was given, never rounded: whole minutes in min, else seconds
    /// ("5 min", "90 s").
    public var period: String {
        seconds >= 60 && seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds) s"
    }

    public func age(_ style: AgeStyle) -> String {
        let s = max(0, seconds)
        let value: Int64
        let unit: (compact: String, spoken: String)
        if s < 60 { value = s; unit = ("s", " s") }
        else if s < 3600 { value = s / 60; unit = ("m", " min") }
        else if s < 86400 { value = s / 3600; unit = ("h", " h") }
        else { value = s / 86400; unit = ("d", " d") }
        return "\(value)" + (style == .compact ? unit.compact : unit.spoken)
    }
}
