import Platform

/// Where GitHub is and how to reach it, resolved from the environment and git config once per
/// command. It never holds the token (see `TokenSource`).
package struct ForgeConfiguration: Sendable, Equatable {
    package static let defaultAPIBase = "https://api.github.com"
    package static let apiURLVariable = "AO_GITHUB_API_URL"

    /// The REST base, without a trailing slash.
    package let apiBase: String
    package let graphQLEndpoint: String
    /// A CA bundle for a private certificate authority.
    package let caInfo: String?
    /// The git remote whose URL names the repository (`ao.remote`, default origin).
    package let remoteName: String

    package init(apiBase: String, caInfo: String? = nil, remoteName: String = "origin") {
        var base = apiBase.trimmingSpaces
        while base.hasSuffix("/") { base.removeLast() }
        self.apiBase = base
        self.graphQLEndpoint = ForgeConfiguration.graphQLEndpoint(forBase: base)
        self.caInfo = caInfo
        self.remoteName = remoteName
    }

    /// `AO_GITHUB_API_URL`, then `ao.github.apiUrl`, then https://api.github.com. An empty
    /// value counts as unset.
    package static func resolve(environment: [String: String], config: GitConfig) throws -> ForgeConfiguration {
        let fromEnvironment = environment[apiURLVariable].flatMap { $0.trimmingSpaces.isEmpty ? nil : $0 }
        let base = fromEnvironment ?? config.nonEmpty(ConfigKeys.githubAPIURL) ?? defaultAPIBase
        guard let url = WebURL(base) else {
            if fromEnvironment != nil {
                throw Messages.invalidEnvironment(variable: apiURLVariable, value: base, expected: "an http(s) URL such as https://github.example.com/api/v3")
            }
            throw Messages.invalidConfig(key: ConfigKeys.githubAPIURL, value: base, expected: "an http(s) URL such as https://github.example.com/api/v3")
        }
        // Credentials in the URL would be printed and stored wherever the URL is: the token goes
        // in AO_GITHUB_TOKEN (or gh), never in the URL.
        if url.hasUserInfo {
            let shown = url.masked
            let expected = "a URL without credentials (the token goes in AO_GITHUB_TOKEN or GITHUB_TOKEN)"
            if fromEnvironment != nil { throw Messages.invalidEnvironment(variable: apiURLVariable, value: shown, expected: expected) }
            throw Messages.invalidConfig(key: ConfigKeys.githubAPIURL, value: shown, expected: expected)
        }
        return ForgeConfiguration(apiBase: base, caInfo: config.nonEmpty(ConfigKeys.githubCAInfo),
                                  remoteName: config.nonEmpty(ConfigKeys.remote) ?? "origin")
    }

    /// `https://api.github.com` -> `.../graphql`; `https://HOST/api/v3` -> `https://HOST/api/graphql`
    /// (GitHub Enterprise); any other base -> `<base>/graphql`.
    package static func graphQLEndpoint(forBase base: String) -> String {
        if base.hasSuffix("/api/v3") { return String(base.dropLast("/v3".count)) + "/graphql" }
        return base + "/graphql"
    }

    /// The host credentials are asked for (`git credential fill`, `gh auth token --hostname`).
    package var apiHost: String { WebURL(apiBase)?.host ?? "api.github.com" }

    /// The host a user logs in to with gh: github.com for the public API, the API host itself
    /// for GitHub Enterprise.
    package var webHost: String { apiHost == "api.github.com" ? "github.com" : apiHost }

    package func url(_ path: String) -> String { apiBase + path }
}
