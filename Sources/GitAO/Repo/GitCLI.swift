import Glibc

/// The git command-line program, for the few things git itself is the authority on
/// (configuration) or that the user compares against (`git --version` in doctor).
enum GitCLI {
    static func run(_ arguments: [String], in directory: String? = nil, timeout: Double = 30) throws -> ProcessResult {
        guard let git = Subprocess.onPath("git") else {
            throw Messages.gitMissing()
        }
        return try Subprocess.run([git] + arguments, directory: directory, timeout: timeout)
    }
}

/// This process's environment.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }

    static func isSet(_ name: String) -> Bool { getenv(name) != nil }

    /// The whole environment as a dictionary (later duplicates win, as with getenv).
    static func all() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            cursor += 1
        }
        return result
    }
}
