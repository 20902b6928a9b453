import ArgumentParser
import Lifecycle
import Platform

/// `git ao events`: the change log.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show the change log: every state change, commit, message and notification.",
        discussion: "With --follow, keeps printing new entries until Ctrl-C. With --json, one JSON object per line."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Option(help: ArgumentHelp("Only this session's entries.", valueName: "id"))
    var session: String?

    @Flag(name: .shortAndLong, help: "Keep printing new entries as they are written.")
    var follow = false

    @Option(name: .customShort("n"), help: ArgumentHelp("How many recent entries to show first.", valueName: "n"))
    var count = 50

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let only = try session.map { try workspace.resolveSession($0).id }
        let palette = Console.palette(config: { try? workspace.config() })
        var last: Int64 = 0
        func print(_ events: [SessionEvent]) {
            for event in events {
                Console.line(output.json ? JSON.encode(EventView(event)) : EventsRendering.line(event, palette: palette, withSession: only == nil))
                last = max(last, event.seq)
            }
            Console.flush()
        }
        print(try workspace.storeCall { try workspace.store()?.events(session: only, limit: max(0, count)) ?? [] })
        guard follow else { return }
        Interrupts.catchTermination()
        while !Interrupts.isPending {
            Clock.sleep(0.3)
            if let store = try workspace.store() {
                print(try workspace.storeCall { try store.events(session: only, after: last) })
            }
        }
    }
}
