import Foundation

extension GitHubFixtures {
    /// An issue from the recorded `issues/opened` payload, with the fields a scenario needs
    /// changed. `pullRequest: true` adds the `pull_request` key the issues list gives PRs.
    public static func issue(number: Int, title: String, labels: [String] = [], assignees: [String] = [], body: String? = "Details.",
                             state: String = "open", pullRequest: Bool = false, repository: String = "acme/widgets") -> [String: Any] {
        var issue = object("issues/opened.payload.json", "issue")
        let template = (issue["labels"] as? [[String: Any]])?.first ?? [:]
        let user = issue["user"] as? [String: Any] ?? [:]
        issue["number"] = number
        issue["title"] = title
        issue["state"] = state
        issue["body"] = body ?? NSNull()
        issue["html_url"] = "https://github.com/\(repository)/issues/\(number)"
        issue["labels"] = labels.map { name -> [String: Any] in
            var label = template
            label["name"] = name
            return label
        }
        let people = assignees.map { login -> [String: Any] in
            var person = user
            person["login"] = login
            return person
        }
        issue["assignees"] = people
        issue["assignee"] = people.first ?? NSNull()
        if pullRequest {
            issue["pull_request"] = ["url": "https://api.github.com/repos/\(repository)/pulls/\(number)",
                                     "html_url": "https://github.com/\(repository)/pull/\(number)"]
        } else {
            issue.removeValue(forKey: "pull_request")
        }
        return issue
    }
}
