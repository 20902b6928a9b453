import Platform

/// The commands that run most often, dispatched without ArgumentParser.
///
/// ArgumentParser's first parse in a process costs about 2 ms of one-time Swift runtime work
/// (reflection and protocol-conformance lookups), which matters for `git ao status` and for
/// what git hooks and agents' hooks run on every commit and every tool call. So the plain
/// spellings of those commands are recognised here and run directly. Anything else (help,
/// mistakes, unusual spellings, duplicated flags) returns nil and goes to ArgumentParser, which
/// stays the one source of truth for usage, help and errors. A test checks both parsers agree
/// on every combination the fast path accepts.
enum FastPath {
    /// The action for `arguments`, or nil to let ArgumentParser handle them.
    static func action(for arguments: [String]) -> (() throws -> Void)? {
        if let options = statusOptions(arguments) { return { try StatusAction.run(options) } }
        // What agents' hooks run on every tool call: `signal <agent> <event>`.
        if arguments.count == 3 && arguments[0] == "signal" && !arguments[1].hasPrefix("-") && !arguments[2].hasPrefix("-") {
            return { HookActions.signal(agent: arguments[1], event: arguments[2]) }
        }
        // What git hooks run on every commit: `hook <name> [git's arguments]`.
        if arguments.count >= 2 && arguments[0] == "hook" && GitHooksInstaller.hookNames.contains(arguments[1]) {
            return { HookActions.gitHook(name: arguments[1], arguments: Array(arguments.dropFirst(2))) }
        }
        return nil
    }

    /// `git ao`, `git ao status` and their flags, each at most once.
    static func statusOptions(_ arguments: [String]) -> StatusOptions? {
        var rest = arguments[...]
        if rest.first == "status" { rest = rest.dropFirst() }
        var options = StatusOptions()
        var seen = Set<String>()
        for argument in rest {
            guard seen.insert(canonicalStatusFlag(argument) ?? argument).inserted else { return nil }
            switch argument {
            case "-a", "--all": options.all = true
            case "-v", "--verbose": options.verbose = true
            case "--json": options.json = true
            case "--porcelain": options.porcelain = true
            case "-q", "--quiet": break
            default: return nil
            }
        }
        // The combination ArgumentParser reports as a usage error.
        if options.json && options.porcelain { return nil }
        return options
    }

    private static func canonicalStatusFlag(_ argument: String) -> String? {
        switch argument {
        case "-a", "--all": return "--all"
        case "-v", "--verbose": return "--verbose"
        case "-q", "--quiet": return "--quiet"
        default: return nil
        }
    }
}
