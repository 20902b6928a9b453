import Platform

/// Lists that span pages: GitHub's `Link: rel="next"` followed to the end, each page a
/// conditional request, the token never sent to another origin.
extension GitHubClient {
    /// Reads every page of a list, following `Link: rel="next"` (each page conditional): one
    /// target of `getPaged`, whose answer must be a JSON array.
    package func getAllPages(_ target: String, maxPages: Int = 50) -> Result<(items: [JSONValue], allNotModified: Bool), FetchFailure> {
        switch getPaged([target], paged: [0], maxPages: maxPages)[0] {
        case .failure(let failure): return .failure(failure)
        case .success(let fetched):
            guard case .array(let items) = try? JSONValue.parse(fetched.body) else {
                return .failure(malformed(target, "expected a JSON array"))
            }
            return .success((items, fetched.notModified))
        }
    }

    /// GETs every target concurrently like `get`, and follows the `Link: rel="next"` pages of
    /// those marked in `paged` to the end (each round of next pages is one concurrent batch,
    /// each page conditional). A paged result is the pages merged into one body: arrays are
    /// concatenated, and in an object every array field (`check_runs`) is; it is "not modified"
    /// only when every page was. A failed page fails the whole target.
    package func getPaged(_ targets: [String], paged: Set<Int>, maxPages: Int = 50) -> [Result<Fetched, FetchFailure>] {
        var results = get(targets)
        var pages: [Int: [JSONValue]] = [:]
        var allNotModified: [Int: Bool] = [:]
        var pending: [(index: Int, url: String)] = []
        // Pages already asked for, per target: a Link that leads back to one of them is a loop
        // (a misbehaving proxy or server), failed at once instead of read 50 times.
        var visited: [Int: Set<String>] = [:]
        for index in paged.sorted() {
            guard case .success(let fetched) = results[index], let next = fetched.next else { continue }
            // The token goes with every page: a Link to another origin is never followed.
            guard isAPIOrigin(next) else {
                results[index] = .failure(malformed(targets[index], "a next page on another host"))
                continue
            }
            guard let first = try? JSONValue.parse(fetched.body) else { continue } // the caller reports it
            guard next != urlOf(targets[index]) else {
                results[index] = .failure(malformed(targets[index], "a next page that leads back to an earlier one"))
                continue
            }
            pages[index] = [first]
            allNotModified[index] = fetched.notModified
            visited[index] = [urlOf(targets[index])]
            pending.append((index, next))
        }
        var round = 1
        while !pending.isEmpty {
            round += 1
            let answers = round > maxPages ? [] : get(pending.map(\.url))
            var next: [(index: Int, url: String)] = []
            for (position, item) in pending.enumerated() {
                guard position < answers.count else {
                    results[item.index] = .failure(malformed(targets[item.index], "more than \(maxPages) pages"))
                    pages[item.index] = nil
                    continue
                }
                switch answers[position] {
                case .failure(let failure):
                    results[item.index] = .failure(failure)
                    pages[item.index] = nil
                case .success(let fetched):
                    guard let value = try? JSONValue.parse(fetched.body) else {
                        results[item.index] = .failure(malformed(item.url, "a page that is not JSON"))
                        pages[item.index] = nil
                        continue
                    }
                    pages[item.index]!.append(value)
                    allNotModified[item.index] = allNotModified[item.index]! && fetched.notModified
                    visited[item.index, default: []].insert(item.url)
                    if let url = fetched.next {
                        guard isAPIOrigin(url) else {
                            results[item.index] = .failure(malformed(item.url, "a next page on another host"))
                            pages[item.index] = nil
                            continue
                        }
                        guard !(visited[item.index]?.contains(url) ?? false) else {
                            results[item.index] = .failure(malformed(targets[item.index], "a next page that leads back to an earlier one"))
                            pages[item.index] = nil
                            continue
                        }
                        next.append((item.index, url))
                    }
                }
            }
            pending = next
        }
        for (index, list) in pages {
            let merged = Self.merge(pages: list)
            results[index] = .success(Fetched(body: Array(merged.serialized().utf8), notModified: allNotModified[index]!, next: nil))
        }
        return results
    }

    /// A target as the absolute URL it is asked at.
    private func urlOf(_ target: String) -> String { target.hasPrefix("http") ? target : configuration.url(target) }

    /// Whether `url` is on the API base's origin (scheme, host, port), where the token may go.
    func isAPIOrigin(_ url: String) -> Bool {
        guard let target = WebURL(url), let base = WebURL(configuration.apiBase) else { return false }
        return target.sameOrigin(as: base)
    }

    /// Pages of one list as one value: arrays concatenated; objects keep the first page's
    /// fields, with every array field concatenated across pages.
    static func merge(pages: [JSONValue]) -> JSONValue {
        guard var merged = pages.first else { return .array([]) }
        for page in pages.dropFirst() {
            switch (merged, page) {
            case (.array(let a), .array(let b)): merged = .array(a + b)
            case (.object(var fields), .object(let more)):
                for (position, field) in fields.enumerated() {
                    if case .array(let a) = field.value, case .array(let b)? = more.first(where: { $0.key == field.key })?.value {
                        fields[position].value = .array(a + b)
                    }
                }
                merged = .object(fields)
            default: continue
            }
        }
        return merged
    }

    /// The `rel="next"` URL of a Link header.
    package static func nextLink(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingSpaces }
            guard let target = fields.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            if fields.dropFirst().contains(where: { $0.replacingAll("\"", with: "") == "rel=next" }) {
                return String(target.dropFirst().dropLast())
            }
        }
        return nil
    }
}
