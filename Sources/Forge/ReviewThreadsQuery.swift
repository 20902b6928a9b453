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
                  comments(first: 100) { pageInfo { hasNextPage endCursor } nodes { databaseId author { login __typename } body url createdAt pullRequestReview { databaseId } } }
                }
              }
            }
          }
        }
        """

    /// The further comments of one thread, past its first 100.
    static let commentsQuery = """
        query($id: ID!, $cursor: String) {
          node(id: $id) {
            ... on PullRequestReviewThread {
              comments(first: 100, after: $cursor) { pageInfo { hasNextPage endCursor } nodes { databaseId author { login __typename } body url createdAt pullRequestReview { databaseId } } }
            }
          }
        }
        """

    func fetch(_ numbers: [Int]) -> [Result<[ReviewThread], FetchFailure>] {
        let (first, moreComments) = fetchThreads(numbers)
        var results = first
        // Threads with more than 100 comments: their further pages, every such thread together
        // per round, until each has none left.
        var pending: [(pr: Int, thread: Int, cursor: String)] = []
        for (index, result) in results.enumerated() {
            guard case .success(let threads) = result else { continue }
            for (position, thread) in threads.enumerated() {
                if let cursor = moreComments[thread.id] { pending.append((index, position, cursor)) }
            }
        }
        var rounds = 0
        while !pending.isEmpty {
            rounds += 1
            guard rounds <= 50 else {
                for item in pending {
                    results[item.pr] = .failure(client.malformed(client.configuration.graphQLEndpoint, "a review thread with more than 5000 comments"))
                }
                break
            }
            let live = pending.filter { if case .success = results[$0.pr] { return true } else { return false } }
            let answers = client.graphQL(live.map { item -> JSONValue in
                guard case .success(let threads) = results[item.pr] else { return .null }
                return .object([
                    ("query", .string(Self.commentsQuery)),
                    ("variables", .object([("id", .string(threads[item.thread].id)), ("cursor", .string(item.cursor))])),
                ])
            })
            var next: [(pr: Int, thread: Int, cursor: String)] = []
            for (item, answer) in zip(live, answers) {
                guard case .success(var threads) = results[item.pr] else { continue }
                switch answer {
                case .failure(let failure): results[item.pr] = .failure(failure)
                case .success(let value):
                    guard let connection = value.at("data", "node", "comments"), let nodes = connection["nodes"]?.array else {
                        results[item.pr] = .failure(client.malformed(client.configuration.graphQLEndpoint, "no comments in the answer"))
                        continue
                    }
                    threads[item.thread].comments += nodes.map(Self.comment)
                    results[item.pr] = .success(threads)
                    if connection.at("pageInfo", "hasNextPage")?.bool == true, let cursor = connection.at("pageInfo", "endCursor")?.string {
                        next.append((item.pr, item.thread, cursor))
                    }
                }
            }
            pending = next
        }
        return results
    }

    /// The threads of each PR, and the ids of threads whose first page of comments said there
    /// are more, with the cursor to go on from.
    private func fetchThreads(_ numbers: [Int]) -> ([Result<[ReviewThread], FetchFailure>], [String: String]) {
        var moreComments: [String: String] = [:]
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
                    for node in nodes where node["isResolved"]?.bool != true && node.at("comments", "pageInfo", "hasNextPage")?.bool == true {
                        if let id = node["id"]?.string, let cursor = node.at("comments", "pageInfo", "endCursor")?.string { moreComments[id] = cursor }
                    }
                    results[index] = .success(threads)
                    if connection.at("pageInfo", "hasNextPage")?.bool == true, let cursor = connection.at("pageInfo", "endCursor")?.string {
                        next[index] = cursor
                    }
                }
            }
            cursors = next
        }
        return (results, moreComments)
    }

    private func body(number: Int, cursor: String?) -> JSONValue {
        .object([
            ("query", .string(Self.query)),
            ("variables", .object([("owner", .string(repository.owner)), ("name", .string(repository.name)),
                                   ("number", .from(number)), ("cursor", .from(cursor))])),
        ])
    }

    static func comment(_ comment: JSONValue) -> ReviewComment {
        ReviewComment(id: comment["databaseId"]?.int64 ?? 0, author: comment.at("author", "login")?.string ?? "ghost",
                      isBot: comment.at("author", "__typename")?.string == "Bot", body: comment["body"]?.string ?? "",
                      url: comment["url"]?.string, createdAt: comment["createdAt"]?.string ?? "",
                      reviewID: comment.at("pullRequestReview", "databaseId")?.int64)
    }

    /// An unresolved thread; nil for a resolved one.
    static func thread(_ node: JSONValue) -> ReviewThread? {
        guard node["isResolved"]?.bool != true, let id = node["id"]?.string else { return nil }
        let comments: [ReviewComment] = (node.at("comments", "nodes")?.array ?? []).map(comment)
        return ReviewThread(id: id, path: node["path"]?.string ?? "", line: node["line"]?.int ?? node["originalLine"]?.int,
                            outdated: node["isOutdated"]?.bool ?? false, comments: comments)
    }
}
