import Platform

/// The errors Forge raises itself.
extension Messages {
    package static func invalidEnvironment(variable: String, value: String, expected: String) -> AOError {
        AOError(.invalidConfig, "the environment variable \(variable) is '\(value)', which is not \(expected).",
                hint: "Fix it, or unset it to use git config and the default: unset \(variable)")
    }
}
