import AOTestSupport
import Foundation
import Platform
import Testing

@Suite("watch and events")
struct WatchTests {
    /// Starts `git-ao <arguments>` in the background with its output going to a file.
    func start(_ s: Scenario, _ arguments: [String], output: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        process.arguments = arguments
        process.environment = s.env.environment
        process.currentDirectoryURL = s.repo
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = process.standardOutput
        try process.run()
        return process
    }

    @Test("watch prints each change, refuses a second watch naming the first one's pid, and stops cleanly on SIGTERM")
    func watch() throws {
        let s = try Scenario("watch")
        defer { s.close() }
        let id = try s.spawn()
        _ = try s.spawn()
        let output = s.env.root.appendingPathComponent("watch.out")
        let watch = try start(s, ["watch", "--interval", "200ms"], output: output)
        defer { if watch.isRunning { watch.terminate() } }
        try s.env.eventually("watch to start") { (s.env.read(output) ?? "").contains("Watching") }

        expectError(try s.ao("watch"), "WATCH_ALREADY_RUNNING", mentioning: ["pid \(watch.processIdentifier)"])

        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"])
        try s.env.eventually("the change to be printed") { (s.env.read(output) ?? "").contains("\(id)  detecting:") }

        watch.terminate()
        watch.waitUntilExit()
        #expect(watch.terminationStatus == 0)
        #expect((s.env.read(output) ?? "").hasSuffix("Stopped.\n"))
        // The lock went with it: a new watch may start.
        let again = try start(s, ["watch", "--interval", "1s"], output: s.env.root.appendingPathComponent("watch2.out"))
        try s.env.eventually("a second watch to start") { (s.env.read(s.env.root.appendingPathComponent("watch2.out")) ?? "").contains("Watching") }
        again.interrupt()
        again.waitUntilExit()
        #expect(again.terminationStatus == 0)
    }

    @Test("events shows the change log, and --follow --json streams new entries as JSON lines")
    func events() throws {
        let s = try Scenario("events")
        defer { s.close() }
        let id = try s.spawn("--agent", "hooked")
        let listing = try s.ao("events", "--session", id)
        #expect(listing.stdout.contains("seeded") && listing.stdout.contains("spawned"))

        let output = s.env.root.appendingPathComponent("events.out")
        let follow = try start(s, ["events", "--follow", "--json", "-n", "0"], output: output)
        defer { if follow.isRunning { follow.terminate() } }
        Thread.sleep(forTimeInterval: 0.5)
        try s.signal(id, "blocked")
        try s.env.eventually("the new entry") { (s.env.read(output) ?? "").contains("\"kind\":\"activity\"") }
        follow.interrupt()
        follow.waitUntilExit()
        #expect(follow.terminationStatus == 0)
        for line in (s.env.read(output) ?? "").split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["session"] as? String == id)
        }
    }
}
