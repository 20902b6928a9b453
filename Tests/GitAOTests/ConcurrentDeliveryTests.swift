import AOTestSupport
import Foundation
import Platform
import Testing
import TmuxRuntime

/// Issue 16, hole 2: deliveries into one session from several processes at once. Each message
/// arrives once, on a line of its own, and "Delivered" is said only for a message that arrived.
@Suite("concurrent delivery")
struct ConcurrentDeliveryTests {
    /// Runs `git ao send` loops side by side, one thread each; every loop sends `count`
    /// messages. Returns each message with the result of its send.
    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [(message: String, result: RunResult?)] = []
        func add(_ message: String, _ result: RunResult?) { lock.lock(); list.append((message, result)); lock.unlock() }
        var all: [(message: String, result: RunResult?)] { lock.lock(); defer { lock.unlock() }; return list }
    }

    static func sendLoops(_ s: Scenario, id: String, loops: [(name: String, queue: Bool)], count: Int) -> [(message: String, result: RunResult?)] {
        let outcomes = Outcomes()
        let group = DispatchGroup()
        for loop in loops {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for n in 1...count {
                    let message = "\(loop.name)-\(n)"
                    let result = try? s.ao(arguments: ["send"] + (loop.queue ? ["--queue"] : []) + [id, message])
                    outcomes.add(message, result)
                }
            }
        }
        group.wait()
        return outcomes.all
    }

    @Test("two send loops at once: every message arrives once, alone on its line, and each 'Delivered' is true",
          .timeLimit(.minutes(15)))
    func twoSends() throws {
        let s = try Scenario("deliver-two")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let outcomes = Self.sendLoops(s, id: id, loops: [("sendA", false), ("sendB", false)], count: 12)
        for (message, result) in outcomes {
            #expect(result?.succeeded == true, "\(message): \(result.map(String.init(describing:)) ?? "did not finish")")
            #expect(result?.stderr.contains("Delivered to \(id)") == true, "\(message): \(result.map(String.init(describing:)) ?? "")")
        }
        let received = FakeAgents.received(by: id, in: s.env)
        #expect(received.sorted() == outcomes.map(\.message).sorted(), "received: \(received)")
        // No buffer is left behind in the server.
        let buffers = try s.env.run(["tmux", "list-buffers", "-F", "#{buffer_name}"]).stdout
        #expect(!buffers.contains("ao-paste-"), "\(buffers)")
    }

    @Test("send --queue beside send: every message arrives once, alone on its line; 'Delivered' only for a message that arrived",
          .timeLimit(.minutes(15)))
    func queueBesideSend() throws {
        let s = try Scenario("deliver-queue")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let outcomes = Self.sendLoops(s, id: id, loops: [("queued", true), ("direct", false)], count: 10)
        for (message, result) in outcomes {
            #expect(result?.succeeded == true, "\(message): \(result.map(String.init(describing:)) ?? "did not finish")")
        }
        // What the queue still holds goes with the next passes.
        try s.env.eventually("the queue to empty", timeout: 30) {
            try s.observe()
            return try s.sql("SELECT count(*) FROM outbox WHERE kind = 'nudge' AND delivered_at IS NULL;").trimmingCharacters(in: .whitespacesAndNewlines) == "0"
        }
        let received = FakeAgents.received(by: id, in: s.env)
        #expect(received.sorted() == outcomes.map(\.message).sorted(), "received: \(received)")
        // A queued message reported delivered was received by then (the loops do not wait).
        for (message, result) in outcomes where message.hasPrefix("queued") && result?.stderr.contains("Delivered") == true {
            #expect(received.contains(message))
        }
    }
}

/// What delivery compares with the screen, and how a message shows there.
@Suite("delivery probes")
struct DeliveryProbeTests {
    @Test("non-ASCII text is matched without the marks a terminal may draw apart or drop", arguments: [
        ("e\u{301}t\u{E9} 👍🏽 ok", "eté👍ok"),
        ("日本語\u{FE0F} テスト", "日本語テスト"),
        ("a\tb  c", "abc"),
        ("👨\u{200D}👩\u{200D}👧", "👨👩👧"),
    ])
    func signature(_ text: String, _ expected: String) {
        #expect(Delivery.signature(text) == expected)
    }

    @Test("the probe is the end of the last line that shows anything")
    func probe() {
        #expect(Delivery.probe(for: "first line\nthe very last line of a long message\n   \n") == "stlineofalongmessage")
        #expect(Delivery.probe(for: "first\nlast one") == "lastone")
        #expect(Delivery.probe(for: "ok") == "ok")
        #expect(Delivery.probe(for: " \n ") == "")
    }

    @Test("a message with controls and non-ASCII text is confirmed and arrives as typed, controls inert", .timeLimit(.minutes(15)))
    func unusualText() throws {
        let s = try Scenario("deliver-unicode")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let message = "日本語 👍🏽 e\u{301} ok\u{03}\u{1B}[31m"
        let result = try s.ao("send", id, message)
        #expect(result.succeeded && result.stderr.contains("Delivered to \(id)"), "\(result)")
        try s.env.eventually("the message") { !FakeAgents.received(by: id, in: s.env).isEmpty }
        #expect(FakeAgents.received(by: id, in: s.env) == [TerminalText.inert(message)])
    }
}
