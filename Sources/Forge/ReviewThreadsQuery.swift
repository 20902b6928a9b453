import Platform

/// The unresolved review threads of pull requests, through GraphQL (REST has no threads).
/// First pages of all the pull requests go out together; further pages follow per PR.
struct ReviewThreadsQuery {
    let client: GitHubClient
    let repository: RepositorySlug

    static let query = """
        query($owner: String!, $name: String!, $number: Int!, $cursor: String) {
          repository(owner: $owner, name: $name) {
            pullRequest(number: $number) {
              reviewThreads(first: 100, after: $cursor) {
                pageInfo { hasNextPage endCursor }
                nodes {
                  id isResolved isOutdated path line originalLine
                  comments(first: 100) { nodes { databaseId author { login __typename } body url createdAt } }
                }
              }
            }
          }
        }
        """

    func fetch(_ numbers: [Int]) -> [Result<[ReviewThread], FetchFailure>] {
        var results = [Result<[ReviewThread], FetchFailure>](repeating: .success([]), count: numbers.count)
        var cursors: [Int: String?] = Dictionary(uniqueKeysWithValues: numbers.indices.map { ($0, nil) })
        var pages = 0
        while !cursors.isEmpty && pages < 20 {
            pages += 1
            let order = cursors.keys.sorted()
            let answers = client.graphQL(order.map { body(number: numbers[$0], cursor: cursors[$0]!) })
            var next: [Int: String?] = [:]
            for (index, answer) in zip(order, answers) {
                guard case .success(var threads) = results[index] else { continue }
                switch answer {
                case .failure(let failure): results[index] = .failure(failure)
                case .success(let value):
                    guard let connection = value.at("data", "repository", "pullRequest", "reviewThreads"),
                          let nodes = connection["nodes"]?.array else {
                        results[index] = .failure(client.malformed(client.configuration.graphQLEndpoint, "no reviewThreads in the answer"))
                        continue
                    }
                    threads += nodes.compactMap(Self.thread)
                    results[index] = .success(threads)
                    if connection.at("pageInfo", "hasNextPage")?.bool == true, let cursor = connection.at("pageInfo", "endCursor")?.string {
                        next[index] = cursor
                    }
                }
            }
            cursors = next
        }
        return results
    }

    private func body(number: Int, cursor: String?) -> JSONValue {
        .object([
            ("query", .string(Self.query)),
            ("variables", .object([("owner", .string(repository.owner)), ("name", .string(repository.name)),
                                   ("number", .from(number)), ("cursor", .from(cursor))])),
        ])
    }

    /// An unresolved thread; nil for a resolved one.
    static func thread(_ node: JSONValue) -> ReviewThread? {
        guard node["isResolved"]?.bool != true, let id = node["id"]?.string else { return nil }
        let comments: [ReviewComment] = (node.at("comments", "nodes")?.array ?? []).map { comment in
            ReviewComment(id: comment["databaseId"]?.int64 ?? 0, author: comment.at("author", "login")?.string ?? "ghost",
                          isBot: comment.at("author", "__typename")?.string == "Bot", body: comment["body"]?.string ?? "",
                          url: comment["url"]?.string, createdAt: comment["createdAt"]?.string ?? "")
        }
        return ReviewThread(id: id, path: node["path"]?.string ?? "", line: node["line"]?.int ?? node["originalLine"]?.int,
                            outdated: node["isOutdated"]?.bool ?? false, comments: comments)
    }
}
