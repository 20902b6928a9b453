import Foundation

/// What a finished program did.
public struct RunResult: CustomStringConvertible, Sendable {
    public let argv: [String]
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var succeeded: Bool { status == 0 }
    public var description: String { "\(argv.joined(separator: " ")) -> \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// The stable error code from `git-ao: error[CODE]: ...` (or from a JSON error), if any.
    public var errorCode: String? {
        if let range = stderr.range(of: #"error\[([A-Z_]+)\]"#, options: .regularExpression) {
            return String(stderr[range].dropFirst("error[".count).dropLast())
        }
        if let data = stderr.data(using: .utf8),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let error = object["error"] as? [String: Any] {
            return error["code"] as? String
        }
        return nil
    }

    /// stdout parsed as a JSON object.
    public func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
            throw TestFailure("stdout is not a JSON object: \(stdout)")
        }
        return object
    }
}

/// Runs a program with an exact environment, feeding stdin and collecting output.
///
/// Caution: Foundation's Process lets the child inherit descriptors that are not close-on-exec,
/// among them the write ends of this call's own pipes. A program that leaves a daemon behind
/// (a `tmux` client starting a server) keeps them open, and the read here then waits until the
/// daemon exits. Tests therefore never start a tmux server directly; git-ao starts it, and
/// git-ao closes every inherited descriptor in its children.
public enum ProcessRunner {
    public static func run(_ argv: [String], environment: [String: String], directory: URL, input: Data?, timeout: TimeInterval) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.environment = environment
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let input {
            inPipe.fileHandleForWriting.write(input)
            try? inPipe.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a chatty child never blocks on a full pipe.
        let collected = CollectedOutput()
        let group = DispatchGroup()
        for (handle, isOut) in [(out.fileHandleForReading, true), (err.fileHandleForReading, false)] {
            group.enter()
            DispatchQueue.global().async {
                let data = handle.readDataToEndOfFile()
                collected.set(data, isOut: isOut)
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = group.wait(timeout: .now() + 5)
            throw TestFailure("\(argv.joined(separator: " ")) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        let (stdout, stderr) = collected.values
        return RunResult(argv: argv, status: process.terminationStatus,
                         stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func set(_ data: Data, isOut: Bool) {
        lock.lock(); defer { lock.unlock() }
        if isOut { out = data } else { err = data }
    }

    var values: (Data, Data) {
        lock.lock(); defer { lock.unlock() }
        return (out, err)
    }
}
