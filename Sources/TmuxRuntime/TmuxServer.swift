import Glibc
import Platform

/// Which tmux server a session lives on, and whether one runs there at all. A session's server
/// is part of its identity (its socket is recorded at spawn), so these answers never depend on
/// the caller's environment except when a new session picks its server.
extension Tmux {
    /// The socket tmux itself would use without -L/-S: the one named in $TMUX inside tmux,
    /// else `$TMUX_TMPDIR/tmux-<uid>/default` (TMUX_TMPDIR defaults to /tmp).
    package static func defaultSocketPath() -> String {
        if let inside = Environment.value("TMUX"), !inside.isEmpty,
           let path = inside.split(separator: ",", maxSplits: 1).first, !path.isEmpty {
            return String(path)
        }
        var directory = Environment.value("TMUX_TMPDIR") ?? "/tmp"
        if directory.isEmpty { directory = "/tmp" }
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        return "\(directory)/tmux-\(getuid())/default"
    }

    /// The server a new session goes to: tmux's default one for the caller, as an absolute path
    /// with its directory resolved the way tmux resolves it (so the recorded path is the one the
    /// server binds). Creates tmux's private directory (mode 0700) when it does not exist yet.
    package static func socketForNewSession() -> String {
        prepareDirectory(of: defaultSocketPath())
        return resolvedDefaultSocketPath()
    }

    /// The caller's default socket with its directory resolved (no file system change).
    package static func resolvedDefaultSocketPath() -> String {
        let socket = defaultSocketPath()
        return resolvedPath(parent(of: socket)) + "/" + baseName(socket)
    }

    /// Makes the directory a socket goes in (mode 0700, as tmux does) when it is missing, say
    /// after a reboot emptied /tmp. When it cannot be made, tmux itself says why when it is
    /// asked to start a session there.
    package static func prepareDirectory(of socket: String) {
        let directory = parent(of: socket)
        if !fileExists(directory) { _ = try? makeDirectories(directory, mode: 0o700) }
    }

    /// Whether a server listens on `socket`, from the kernel's table of Unix sockets (which
    /// keeps a socket's path even after its file was deleted). nil when the table cannot be read.
    package static func listening(on socket: String) -> Bool? {
        guard let bytes = readBytes("/proc/net/unix") else { return nil }
        let candidates = Set([socket, resolvedPath(parent(of: socket)) + "/" + baseName(socket)])
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
            // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000 is "accepting connections".
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8, let flags = Int(fields[3], radix: 16), flags & 0x10000 != 0 else { continue }
            if candidates.contains(fields[7...].joined(separator: " ")) { return true }
        }
        return false
    }

    /// What to say when the server at `socket` cannot be asked.
    package static func unreachableReason(_ socket: String, detail: String) -> String {
        if !fileExists(socket) {
            return "its socket \(socket) is gone while the server still runs; sending that tmux server SIGUSR1 makes it recreate the socket"
        }
        return "\(detail) (socket \(socket))"
    }

    /// A server whose socket cannot be connected to: gone when nobody listens there, else unreachable.
    static func absentServer(_ socket: String, detail: String) -> Probe {
        switch listening(on: socket) {
        case false?: return .noServer("no tmux server runs at \(socket)")
        case true?: return .failed(unreachableReason(socket, detail: detail))
        case nil: return .failed("\(detail), and /proc/net/unix cannot be read to tell whether a server still runs (socket \(socket))")
        }
    }

    /// Whether the caller runs inside a client of this server (so it can switch, not attach).
    package var isCallersServer: Bool {
        guard Environment.isSet("TMUX") else { return false }
        let mine = Tmux.defaultSocketPath()
        return mine == socketPath || resolvedPath(parent(of: mine)) == resolvedPath(parent(of: socketPath)) && baseName(mine) == baseName(socketPath)
    }
}
