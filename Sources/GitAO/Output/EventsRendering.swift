import Lifecycle
import Platform
import Store

/// One event as a human-readable line.
enum EventsRendering {
    static func line(_ event: SessionEvent, palette: Palette, withSession: Bool) -> String {
        let details = event.data.flatMap { try? JSON.decode([String: String].self, from: $0) } ?? [:]
        let detailText = details.keys.sorted().map { "\($0)=\(displaySafe(details[$0]!.count > 80 ? String(details[$0]!.prefix(77)) + "..." : details[$0]!))" }.joined(separator: " ")
        let who = withSession ? "\(event.sessionID) " : ""
        return "\(palette.dim(isoTimestamp(event.at)))  \(who)\(event.kind.padding(10))\(detailText.isEmpty ? "" : " " + detailText)"
    }
}
