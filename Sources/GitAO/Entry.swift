import ArgumentParser
import Glibc
import Platform

@main
enum Entry {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let wantsJSON = arguments.contains("--json")
        // `git ao -C <path> <command>`: like git, leading -C options (several allowed, each
        // relative to the previous) apply before the command is even parsed.
        while arguments.count >= 2 && arguments[0] == "-C" {
            let path = arguments[1]
            arguments.removeFirst(2)
            if !path.isEmpty && chdirTo(path) != 0 {
                let failure = Messages.cannotChangeDirectory(path)
                Console.err(wantsJSON ? failure.jsonText() : failure.humanText())
                exit(failure.code.exitStatus.rawValue)
            }
        }
        if let action = FastPath.action(for: arguments) {
            finish(wantsJSON: wantsJSON) { try action() }
        }
        // `git ao bogus` would otherwise reach status (the default command) as an argument.
        if let first = arguments.first, !first.hasPrefix("-"), first != "help", !GitAOCommand.commandNames(visibleOnly: false).contains(first) {
            let failure = Messages.unknownCommand(first, commands: GitAOCommand.commandNames(visibleOnly: true))
            Console.err(wantsJSON ? failure.jsonText() : failure.humanText())
            exit(failure.code.exitStatus.rawValue)
        }
        var command: ParsableCommand
        do {
            command = try GitAOCommand.parseAsRoot(arguments)
        } catch {
            // Help and version requests are ArgumentParser's to print. A usage error is an error
            // like any other: `error[INVALID_ARGUMENT]` with a hint (a JSON object with --json).
            if GitAOCommand.exitCode(for: error) != .success {
                let subcommand = arguments.first { GitAOCommand.commandNames(visibleOnly: false).contains($0) }
                let message = unknownOption(in: arguments) ?? GitAOCommand.message(for: error)
                let failure = Messages.usage(message, command: subcommand)
                Console.err(wantsJSON ? failure.jsonText() : failure.humanText())
                exit(GitAOCommand.exitCode(for: error).rawValue)
            }
            GitAOCommand.exit(withError: error)
        }
        finish(wantsJSON: wantsJSON) { try command.run() }
    }

    /// ArgumentParser names an unknown option (with its "did you mean") only when its value is
    /// joined to it: `--promt=x` says "Unknown option '--promt'", but `--promt x` takes `x` for a
    /// positional argument and complains about that instead. So, once parsing failed, each
    /// `--name value` pair is tried joined; when that makes ArgumentParser name `--name` as
    /// unknown, that is the real mistake and its message is the one to show. Only the error path
    /// pays for the extra parses.
    static func unknownOption(in arguments: [String]) -> String? {
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        for index in arguments.indices where index + 1 < end {
            let option = arguments[index]
            guard option.hasPrefix("--"), option.count > 2, !option.contains("="), !arguments[index + 1].hasPrefix("-") else { continue }
            var joined = arguments
            joined[index] = option + "=" + arguments[index + 1]
            joined.remove(at: index + 1)
            do { _ = try GitAOCommand.parseAsRoot(joined) } catch {
                let message = GitAOCommand.message(for: error)
                if message.contains("Unknown option '\(option)'") { return message }
            }
        }
        return nil
    }

    /// Runs a command and exits with the status the error table gives.
    static func finish(wantsJSON: Bool, _ body: () throws -> Void) -> Never {
        do {
            try body()
            Console.flush()
            exit(0)
        } catch let code as ExitCode {
            Console.flush()
            exit(code.rawValue)
        } catch let error as DomainFailure {
            let failure = AOError.wrapping(error)
            Console.err(wantsJSON ? failure.jsonText() : failure.humanText())
            exit(failure.code.exitStatus.rawValue)
        } catch {
            // ArgumentParser's own (help requested by `git ao help spawn`, say).
            Console.flush()
            GitAOCommand.exit(withError: error)
        }
    }
}

/// chdir, for -C.
func chdirTo(_ path: String) -> Int32 { chdir(path) }
