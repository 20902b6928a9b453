/// User-facing errors raised by the platform layer itself. The `Messages` namespace is one table
/// across layers: each layer adds the messages it raises in an extension of its own, and GitAO
/// holds the rest (Sources/GitAO/Errors/Messages.swift).
package enum Messages {
    package static func gitMissing() -> AOError {
        AOError(.runtimePrerequisiteMissing, "the git program was not found on PATH.",
                hint: "Install git (apt-get install git) or fix PATH.")
    }

    package static func configUnreadable(_ stderr: String) -> AOError {
        AOError(.invalidConfig, "git could not read its configuration: \(stderr.trimmingSpaces)",
                hint: "Fix the file git names above (git config --edit), then retry.")
    }

    package static func invalidConfig(key: String, value: String, expected: String) -> AOError {
        AOError(.invalidConfig, "git config '\(key)' is '\(value)', which is not \(expected).",
                hint: "Change it with: git config \(key) <value>   (or unset it: git config --unset \(key))")
    }

    package static func interrupted(_ what: String) -> AOError {
        AOError(.interrupted, "\(what) was interrupted.", hint: "Nothing was left behind; run the command again when ready.")
    }
}
