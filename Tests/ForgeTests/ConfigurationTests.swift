import AOTestSupport
import Foundation
@testable import Forge
import Platform
import Testing

@Suite("forge configuration")
struct ConfigurationTests {
    @Test("remote URLs in every accepted form", arguments: [
        ("https://github.com/acme/widgets.git", "acme/widgets", "github.com"),
        ("https://github.com/acme/widgets", "acme/widgets", "github.com"),
        ("https://user@github.com/acme/widgets/", "acme/widgets", "github.com"),
        ("ssh://git@github.com/acme/widgets.git", "acme/widgets", "github.com"),
        ("ssh://git@ghe.example.com:2222/acme/widgets", "acme/widgets", "ghe.example.com"),
        ("git@github.com:acme/widgets.git", "acme/widgets", "github.com"),
        ("git@github.com:acme/widgets", "acme/widgets", "github.com"),
        ("github-work:acme/my.repo_x-1.git", "acme/my.repo_x-1", "github-work"),
    ])
    func remoteForms(url: String, slug: String, host: String) {
        let parsed = RepositorySlug.parse(remoteURL: url)
        #expect(parsed?.fullName == slug)
        #expect(parsed?.host == host)
    }

    @Test("local paths and odd URLs are not GitHub remotes", arguments: [
        "/tmp/origin.git", "../origin.git", "file:///tmp/origin.git", "C:/x/y", "https://github.com/acme",
        "https://github.com/acme/widgets/tree/main", "git@github.com:../etc.git", "", "https://github.com/ac me/w",
    ])
    func notGitHub(url: String) {
        #expect(RepositorySlug.parse(remoteURL: url) == nil)
    }

    @Test("the GraphQL endpoint is derived from the REST base")
    func graphQLEndpoint() {
        #expect(ForgeConfiguration(apiBase: "https://api.github.com").graphQLEndpoint == "https://api.github.com/graphql")
        #expect(ForgeConfiguration(apiBase: "https://ghe.example.com/api/v3/").graphQLEndpoint == "https://ghe.example.com/api/graphql")
        #expect(ForgeConfiguration(apiBase: "http://127.0.0.1:9000").graphQLEndpoint == "http://127.0.0.1:9000/graphql")
        #expect(ForgeConfiguration(apiBase: "https://ghe.example.com/api/v3").webHost == "ghe.example.com")
        #expect(ForgeConfiguration(apiBase: "https://api.github.com").webHost == "github.com")
    }

    @Test("the API base comes from the environment, then git config, then the default")
    func apiBaseOrder() throws {
        let config = GitConfig(entries: [.init(key: "ao.github.apiurl", value: "https://ghe.example.com/api/v3")])
        #expect(try ForgeConfiguration.resolve(environment: [:], config: GitConfig()).apiBase == "https://api.github.com")
        #expect(try ForgeConfiguration.resolve(environment: [:], config: config).apiBase == "https://ghe.example.com/api/v3")
        #expect(try ForgeConfiguration.resolve(environment: ["AO_GITHUB_API_URL": "http://127.0.0.1:1/"], config: config).apiBase == "http://127.0.0.1:1")
        #expect(try ForgeConfiguration.resolve(environment: ["AO_GITHUB_API_URL": ""], config: config).apiBase == "https://ghe.example.com/api/v3")
        #expect(throws: AOError.self) { try ForgeConfiguration.resolve(environment: ["AO_GITHUB_API_URL": "ftp://x"], config: config) }
        let bad = GitConfig(entries: [.init(key: "ao.github.apiurl", value: "api.github.com")])
        #expect(throws: AOError.self) { try ForgeConfiguration.resolve(environment: [:], config: bad) }
    }

    @Test("credentials in the API URL are refused, and the error does not repeat them")
    func credentialsInURL() throws {
        for (environment, config) in [(["AO_GITHUB_API_URL": "http://user:s3cret@127.0.0.1:1/api"], GitConfig()),
                                      ([:], GitConfig(entries: [.init(key: "ao.github.apiurl", value: "https://x-token:s3cret@ghe.example.com/api/v3")]))] {
            do {
                _ = try ForgeConfiguration.resolve(environment: environment, config: config)
                Issue.record("accepted credentials in \(environment) \(config)")
            } catch let error as AOError {
                #expect(!error.message.contains("s3cret") && error.message.contains("***@"), "\(error.message)")
            }
        }
        // An '@' in the path is not a credential.
        #expect(try ForgeConfiguration.resolve(environment: ["AO_GITHUB_API_URL": "http://127.0.0.1:1/api/@v3"], config: GitConfig()).apiBase == "http://127.0.0.1:1/api/@v3")
    }

    @Test("a token is never printed, only where it came from")
    func tokenDescription() {
        let token = GitHubToken(value: "ghp_secret", origin: .gitHubToken)
        #expect("\(token)" == "token from GITHUB_TOKEN")
        #expect(!String(reflecting: token).contains("ghp_secret"))
    }
}

@Suite("token discovery")
struct TokenDiscoveryTests {
    let env: TestEnvironment
    init() throws { env = try TestEnvironment("token") }

    var configuration: ForgeConfiguration { ForgeConfiguration(apiBase: "https://api.github.com") }

    @Test("AO_GITHUB_TOKEN, then GITHUB_TOKEN, then GH_TOKEN")
    func environmentOrder() {
        defer { env.close() }
        var vars = env.environment
        vars["GH_TOKEN"] = "gh-env"
        #expect(TokenSource.find(environment: vars, configuration: configuration)?.value == "gh-env")
        vars["GITHUB_TOKEN"] = "github-env"
        #expect(TokenSource.find(environment: vars, configuration: configuration)?.value == "github-env")
        vars["AO_GITHUB_TOKEN"] = "ao-env"
        let token = TokenSource.find(environment: vars, configuration: configuration)
        #expect(token?.value == "ao-env" && token?.origin == .aoGitHubToken)
        vars["AO_GITHUB_TOKEN"] = "two\nlines"
        #expect(TokenSource.find(environment: vars, configuration: configuration)?.value == "github-env")
    }

    @Test("gh auth token, asked for the web host, token on stdout only")
    func ghCLI() throws {
        defer { env.close() }
        let argvLog = env.root.appendingPathComponent("gh-argv")
        try env.installScript("gh", "#!/bin/sh\nprintf '%s\\n' \"$@\" > '\(argvLog.path)'\necho gho_from_gh\n")
        let token = TokenSource.find(environment: env.environment, configuration: configuration)
        #expect(token?.value == "gho_from_gh")
        #expect(token?.origin == .ghCLI)
        #expect(env.read(argvLog) == "auth\ntoken\n--hostname\ngithub.com\n")
    }

    @Test("git credential fill for the API host, when gh has nothing")
    func gitCredential() throws {
        defer { env.close() }
        try env.installScript("gh", "#!/bin/sh\necho 'not logged in' >&2\nexit 1\n")
        let seen = env.root.appendingPathComponent("helper-input")
        try env.installScript("git-credential-fake", "#!/bin/sh\ncat > '\(seen.path)'\necho username=x\necho password=ghp_from_helper\n")
        try env.write("[credential]\n\thelper = fake\n", to: env.home.appendingPathComponent(".gitconfig"))
        let token = TokenSource.find(environment: env.environment, configuration: configuration)
        #expect(token?.value == "ghp_from_helper")
        #expect(token?.origin == .gitCredential)
        #expect(env.read(seen)?.contains("protocol=https\nhost=api.github.com\n") == true)
    }

    @Test("no token anywhere is nil, and nothing prompts")
    func none() throws {
        defer { env.close() }
        #expect(TokenSource.find(environment: env.environment, configuration: configuration) == nil)
    }
}
