import Agents
import Glibc
import Lifecycle
import Platform

/// An agent's conversation files (aider's chat and input history) live in its worktree, which
/// kill and cleanup remove. They are kept in `<common-dir>/ao/sessions/<id>/` instead, and
/// restore puts them back, so resuming the conversation means what it says.
enum ConversationFiles {
    static func directory(of id: SessionID, aoDirectory: String) -> String {
        aoDirectory + "/sessions/\(id)"
    }

    /// Copies the conversation files from the worktree into the session's directory, before the
    /// worktree is removed. A copy, not a move: when the worktree is kept after all (it has
    /// changes), the files stay where the agent reads them. Returns the files copied.
    @discardableResult
    static func save(_ session: Session, agent: AgentDefinition?, aoDirectory: String) throws -> [String] {
        guard let agent, !agent.conversationFiles.isEmpty, fileExists(session.worktreePath) else { return [] }
        let directory = directory(of: session.id, aoDirectory: aoDirectory)
        var saved: [String] = []
        for name in agent.conversationFiles {
            let path = session.worktreePath + "/" + name
            // Only a regular file: a symlink there could point anywhere.
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, let bytes = readBytes(path) else { continue }
            try makeDirectories(directory, mode: 0o700)
            try writeFileAtomically(directory + "/" + name, bytes, mode: 0o600)
            saved.append(name)
        }
        return saved
    }

    /// Whether the agent has a conversation to resume: its files are in the worktree or saved.
    static func available(_ session: Session, agent: AgentDefinition, aoDirectory: String) -> Bool {
        let directory = directory(of: session.id, aoDirectory: aoDirectory)
        return agent.conversationFiles.contains { name in
            fileExists(session.worktreePath + "/" + name) || fileExists(directory + "/" + name)
        }
    }

    /// Puts saved files back into the worktree where it has none of its own (a kept worktree's
    /// files are newer than any copy). Returns the files put back.
    @discardableResult
    static func putBack(_ session: Session, agent: AgentDefinition, aoDirectory: String) throws -> [String] {
        let directory = directory(of: session.id, aoDirectory: aoDirectory)
        var restored: [String] = []
        for name in agent.conversationFiles where !fileExists(session.worktreePath + "/" + name) {
            guard let bytes = readBytes(directory + "/" + name) else { continue }
            try writeFileAtomically(session.worktreePath + "/" + name, bytes, mode: 0o644)
            restored.append(name)
        }
        return restored
    }
}
