import Platform

/// A GitHub token. Its value is reachable only through `value`; printing or interpolating the
/// token itself shows where it came from, never what it is, so it cannot leak through a log line.
package struct GitHubToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    package enum Origin: String, Sendable {
        case aoGitHubToken = "AO_GITHUB_TOKEN"
        case gitHubToken = "GITHUB_TOKEN"
        case ghToken = "GH_TOKEN"
        case ghCLI = "gh auth token"
        case gitCredential = "git credential fill"
    }

    package let value: String
    package let origin: Origin

    package init(value: String, origin: Origin) {
        self.value = value
        self.origin = origin
    }

    package var description: String { "token from \(origin.rawValue)" }
    package var debugDescription: String { description }
}

/// Finds the token, in this order: AO_GITHUB_TOKEN, GITHUB_TOKEN, GH_TOKEN, `gh auth token`,
/// `git credential fill`. The token only ever travels on a child's stdout (or stdin): never in
/// an argv that `ps` would show.
package enum TokenSource {
    package static func find(environment: [String: String], configuration: ForgeConfiguration,
                             directory: String? = nil) -> GitHubToken? {
        for origin in [GitHubToken.Origin.aoGitHubToken, .gitHubToken, .ghToken] {
            if let value = environment[origin.rawValue].map(\.trimmingSpaces), isPlausible(value) {
                return GitHubToken(value: value, origin: origin)
            }
        }
        let path = environment["PATH"]
        if let gh = Subprocess.findExecutable("gh", searchPath: path) {
            var env = environment
            // gh must not prompt, update-check or page.
            env["GH_PROMPT_DISABLED"] = "1"
            env["GH_NO_UPDATE_NOTIFIER"] = "1"
            if let result = try? Subprocess.run([gh, "auth", "token", "--hostname", configuration.webHost], environment: env,
                                                directory: directory, timeout: 5),
               result.succeeded, let value = result.stdoutText.split(separator: "\n").first.map({ $0.trimmingSpaces }),
               isPlausible(value) {
                return GitHubToken(value: value, origin: .ghCLI)
            }
        }
        if let git = Subprocess.findExecutable("git", searchPath: path) {
            var env = environment
            // Never ask on the terminal: a git hook or a background pass has nobody to answer.
            env["GIT_TERMINAL_PROMPT"] = "0"
            env["GCM_INTERACTIVE"] = "never"
            env.removeValue(forKey: "GIT_ASKPASS")
            env.removeValue(forKey: "SSH_ASKPASS")
            let query = "protocol=https\nhost=\(configuration.apiHost)\n\n"
            if let result = try? Subprocess.run([git, "credential", "fill"], environment: env, directory: directory,
                                                input: Array(query.utf8), timeout: 5),
               result.succeeded,
               let line = result.stdoutText.split(separator: "\n").first(where: { $0.hasPrefix("password=") }) {
                let value = String(line.dropFirst("password=".count)).trimmingSpaces
                if isPlausible(value) { return GitHubToken(value: value, origin: .gitCredential) }
            }
        }
        return nil
    }

    /// A token is one printable ASCII word: anything else (a newline especially) could smuggle
    /// a second header into the request.
    package static func isPlausible(_ value: String) -> Bool {
        !value.isEmpty && value.count <= 1024 && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
    }
}
