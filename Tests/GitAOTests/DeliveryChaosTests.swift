import AOTestSupport
import Foundation
import Testing

/// Issue 16, hole 10: a deliverer killed at any point (SIGKILL) neither loses nor doubles what
/// it was typing. Messages are queued with `send --queue` (whose own pass delivers them) and
/// passes run beside; both are killed at random points. What the agent received, read from its
/// own log (not the screen), must hold every queued message exactly once, each alone on its line.
@Suite("delivery chaos")
struct DeliveryChaosTests {
    /// An agent in raw mode, as full-screen agents are: it reads bytes, echoes them, and logs a
    /// line on Enter (CR). No bracketed paste, no line discipline.
    static let rawAgent = """
        #!/usr/bin/env python3
        import os, tty
        log = os.path.join(os.environ["FAKE_AGENT_OUT"], os.environ["AO_SESSION_ID"] + ".received")
        tty.setraw(0)
        os.write(1, b"raw agent ready\\r\\n> ")
        line = b""
        while True:
            data = os.read(0, 4096)
            if not data:
                break
            echo = b""
            for byte in data:
                if byte in (13, 10):
                    with open(log, "ab") as f:
                        f.write(line + b"\\n")
                    line = b""
                    echo += b"\\r\\n> "
                else:
                    line += bytes([byte])
                    echo += bytes([byte])
            os.write(1, echo)
        """

    /// A small seeded generator (SplitMix64), so a failing run can be repeated.
    struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct Figures: CustomStringConvertible {
        var agent = ""
        var deliveries = 0
        var kills = 0
        var lost: [String] = []
        var doubled: [String] = []
        var garbled: [String] = []
        /// Rows a killed deliverer had already submitted, found on the screen and not pasted again.
        var recovered = 0
        var seconds = 0.0
        var description: String {
            "\(agent): \(deliveries) deliveries, \(kills) deliverers killed, \(lost.count) lost, \(doubled.count) doubled, \(garbled.count) garbled, \(recovered) finished after a kill without a second paste, \(String(format: "%.1f", seconds)) s"
        }
    }

    /// Starts `git-ao arguments` and, when `killAfter` is given, SIGKILLs it after that many
    /// seconds if it still runs. Returns whether it was killed, and how long it ran.
    static func run(_ s: Scenario, _ arguments: [String], killAfter: Double?) throws -> (killed: Bool, seconds: Double) {
        let process = Process()
        process.executableURL = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        process.arguments = arguments
        process.environment = s.env.environment
        process.currentDirectoryURL = s.repo
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let started = Date()
        try process.run()
        var killed = false
        if let killAfter {
            Thread.sleep(forTimeInterval: killAfter)
            if process.isRunning { killed = kill(process.processIdentifier, SIGKILL) == 0 }
        }
        process.waitUntilExit()
        return (killed && process.terminationReason == .uncaughtSignal, Date().timeIntervalSince(started))
    }

    static func chaos(agent: String, count: Int, seed: UInt64) throws -> Figures {
        let started = Date()
        var figures = Figures(agent: agent)
        var random = SeededRandom(state: seed)
        let s = try Scenario("chaos-\(agent)")
        defer { s.close() }
        try s.env.installScript("raw-agent", rawAgent)
        try s.env.git(["config", "ao.agent.raw.command", "raw-agent"], in: s.repo)
        let id = try s.spawn("--agent", agent)
        try s.env.eventually("the agent ready", timeout: 30) {
            try s.env.run(["tmux", "capture-pane", "-p", "-t", "=ao-\(id):"]).stdout.contains("agent ready")
        }
        // How long an uninterrupted delivery takes here, so kills land all over it.
        var durations: [Double] = []
        var span: Double { durations.isEmpty ? 0.3 : durations.sorted()[durations.count / 2] }
        // A sender killed before its message was queued queued nothing: go on until `count` are.
        func queuedCount() throws -> Int { Int(try s.sql("SELECT count(*) FROM outbox WHERE kind = 'nudge';").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
        var n = 0
        while try queuedCount() < count {
            defer { n += 1 }
            let message = String(format: "message %03d, ünïcødé ✓", n)
            // The first three go uninterrupted (they measure the span); then three in four are killed.
            let killAt = n >= 3 && Int.random(in: 0..<4, using: &random) > 0 ? span * Double.random(in: 0...1.2, using: &random) : nil
            let send = try run(s, ["send", "--queue", id, message], killAfter: killAt)
            if send.killed { figures.kills += 1 } else { durations.append(send.seconds) }
            if n % 4 == 3 {
                let pass = try run(s, ["observe", "--session", id], killAfter: span * Double.random(in: 0...1, using: &random))
                if pass.killed { figures.kills += 1 }
            }
        }
        // Whatever a killed deliverer left waits in the outbox: passes that are not killed finish it.
        try s.env.eventually("the outbox to empty", timeout: 60) {
            try s.observe("--session", id)
            return try s.sql("SELECT count(*) FROM outbox WHERE kind = 'nudge' AND delivered_at IS NULL;").trimmingCharacters(in: .whitespacesAndNewlines) == "0"
        }
        let queued = try s.sql("SELECT body FROM outbox WHERE kind = 'nudge' ORDER BY id;").split(separator: "\n").map(String.init)
        figures.deliveries = queued.count
        // The agent logs a line when it reads it; give it until every queued message is there.
        try? s.env.eventually("every message in the agent's log", timeout: 20) {
            Set(FakeAgents.received(by: id, in: s.env)).isSuperset(of: queued)
        }
        let received = FakeAgents.received(by: id, in: s.env).filter { !$0.isEmpty }
        for message in queued {
            let times = received.filter { $0 == message }.count
            if times == 0 { figures.lost.append(message) }
            if times > 1 { figures.doubled.append(message) }
        }
        figures.garbled = received.filter { !queued.contains($0) }
        figures.recovered = Int(try s.sql("SELECT count(*) FROM events WHERE kind LIKE 'nudge%' AND data LIKE '%\"recovered\":\"true\"%';")
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let failed = try s.sql("SELECT id, last_error FROM outbox WHERE last_error IS NOT NULL;")
        if !failed.isEmpty { print("delivery chaos (\(agent)): outbox rows with errors: \(failed)") }
        figures.seconds = Date().timeIntervalSince(started)
        return figures
    }

    @Test("100 deliveries each into a line-reading and a raw-mode agent, deliverers killed at random: 0 lost, 0 doubled",
          .timeLimit(.minutes(15)))
    func killedDeliverers() throws {
        let seed = ProcessInfo.processInfo.environment["AO_CHAOS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
        print("delivery chaos: seed \(seed) (AO_CHAOS_SEED=\(seed) repeats it)")
        let count = ProcessInfo.processInfo.environment["AO_CHAOS_DELIVERIES"].flatMap { Int($0) } ?? 100
        final class Box: @unchecked Sendable {
            let lock = NSLock()
            var results: [String: Result<Figures, Error>] = [:]
        }
        let box = Box()
        let group = DispatchGroup()
        for agent in ["fake", "raw"] {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let result = Result { try DeliveryChaosTests.chaos(agent: agent, count: count, seed: seed) }
                box.lock.lock(); box.results[agent] = result; box.lock.unlock()
            }
        }
        group.wait()
        for agent in ["fake", "raw"] {
            let figures = try #require(try box.results[agent]?.get())
            print("delivery chaos: seed \(seed): \(figures)")
            #expect(figures.lost.isEmpty, "lost (seed \(seed)): \(figures.lost)")
            #expect(figures.doubled.isEmpty, "doubled (seed \(seed)): \(figures.doubled)")
            #expect(figures.garbled.isEmpty, "garbled (seed \(seed)): \(figures.garbled)")
            #expect(figures.kills > 0)
        }
    }

    @Test("direct sends killed at random points: nothing doubled, nothing joined, every completed send arrived",
          .timeLimit(.minutes(15)))
    func killedSenders() throws {
        let seed = ProcessInfo.processInfo.environment["AO_CHAOS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
        print("delivery chaos (send): seed \(seed)")
        var random = SeededRandom(state: seed)
        let s = try Scenario("chaos-send")
        defer { s.close() }
        let id = try s.spawn("--agent", "fake")
        try FakeAgents.waitForStart(id, in: s.env)
        var durations: [Double] = []
        var completed: [String] = []
        var sent: [String] = []
        var kills = 0
        for n in 0..<40 {
            let message = String(format: "direct %03d, ünïcødé", n)
            let span = durations.isEmpty ? 0.3 : durations.sorted()[durations.count / 2]
            let killAt = n >= 3 && Int.random(in: 0..<4, using: &random) > 0 ? span * Double.random(in: 0...1.2, using: &random) : nil
            let send = try Self.run(s, ["send", id, message], killAfter: killAt)
            sent.append(message)
            if send.killed { kills += 1 } else { durations.append(send.seconds); completed.append(message) }
        }
        // A killed sender may have left its text on the input line: the next delivery submits it.
        #expect(try s.ao("send", id, "last one").succeeded)
        try s.env.eventually("every completed send in the agent's log") {
            Set(FakeAgents.received(by: id, in: s.env)).isSuperset(of: completed + ["last one"])
        }
        let received = FakeAgents.received(by: id, in: s.env).filter { !$0.isEmpty }
        print("delivery chaos (send): seed \(seed): 40 sends, \(kills) killed, \(received.count - 1) arrived")
        #expect(received.filter { !(sent + ["last one"]).contains($0) }.isEmpty, "joined or garbled (seed \(seed)): \(received)")
        #expect(Set(received).count == received.count, "doubled (seed \(seed)): \(received)")
    }
}
