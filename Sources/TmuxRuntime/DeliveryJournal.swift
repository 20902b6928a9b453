import Glibc
import Platform

/// What the deliverer holding a session's delivery lock is pasting, kept in a file beside the
/// lock (`<ao>/run/deliver-<session>.journal`) so that whoever takes the lock after a deliverer
/// was killed (`kill -9`, OOM) knows a paste may be on the agent's screen.
///
/// Without it a killed pass repeated its nudge on the next pass: pasted twice, the second time
/// joined to the first, still unsubmitted one. With it the next deliverer looks before it
/// pastes: text still on the input line is submitted with Enter; text found on the screen or in
/// the history since the paste began is not pasted again.
///
/// Read and written only under the lock. Written atomically (rename), so a kill leaves either
/// the old record or the new one.
package struct DeliveryJournal: Sendable {
    package let path: String

    /// One paste under way.
    package struct Entry: Codable, Equatable, Sendable {
        /// The item delivered (an outbox row: `outbox:<id>`); empty for a one-off `send`.
        package var key: String
        /// `Delivery.probe` of the text.
        package var probe: String
        /// The absolute row of the input line when the paste began (history lines + cursor
        /// row): the text cannot have been submitted above it.
        package var anchor: Int
        /// The cursor's column on that row: what stands left of it (the agent's prompt) was
        /// there before the paste.
        package var column: Int?
        /// Whether someone delivers the item again after a failure, so its outcome is kept for
        /// them (`submitted`). A one-off send is never retried.
        package var retried: Bool
    }

    package struct Contents: Codable, Equatable, Sendable {
        package var inflight: Entry?
        /// Keys whose text reached the agent while their deliverer has not recorded it yet
        /// (it was killed, or it has not acknowledged): never pasted again.
        package var submitted: [String]
    }

    /// How many submitted keys are kept: an acknowledgement lost to a kill leaves one behind.
    static let keep = 64

    package init(path: String) { self.path = path }

    package func read() -> Contents {
        guard let bytes = readBytes(path), let contents = try? JSON.decode(Contents.self, from: bytes) else {
            return Contents(inflight: nil, submitted: [])
        }
        return contents
    }

    func write(_ contents: Contents) throws {
        if contents.inflight == nil && contents.submitted.isEmpty {
            if unlink(path) != 0 && errno != ENOENT { throw FileError(path: path, operation: "remove", code: errno) }
            return
        }
        try writeFileAtomically(path, Array(JSON.encode(contents).utf8))
    }

    func begin(_ entry: Entry) throws {
        var contents = read()
        contents.inflight = entry
        try write(contents)
    }

    /// The paste of `key` ended (submitted or left on the input line, either way not to be
    /// pasted again).
    func finish(key: String?) throws {
        var contents = read()
        contents.inflight = nil
        if let key { contents.submitted = Array((contents.submitted.filter { $0 != key } + [key]).suffix(DeliveryJournal.keep)) }
        try write(contents)
    }

    /// Settles a killed deliverer's paste: `submitted` says whether its text reached the agent.
    func settle(_ entry: Entry, submitted: Bool) throws {
        var contents = read()
        contents.inflight = nil
        if submitted && entry.retried {
            contents.submitted = Array((contents.submitted.filter { $0 != entry.key } + [entry.key]).suffix(DeliveryJournal.keep))
        }
        try write(contents)
    }

    func forget(_ key: String) throws {
        var contents = read()
        guard contents.submitted.contains(key) else { return }
        contents.submitted.removeAll { $0 == key }
        try write(contents)
    }
}
