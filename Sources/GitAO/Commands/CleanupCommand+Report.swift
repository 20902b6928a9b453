import Platform

/// What cleanup did, or would do: one line per session (or a JSON report), then the trash.
extension CleanupCommand {
    func report(_ items: [Item], trash: [Trash], done: Bool) {
        if output.json {
            struct Entry: Encodable {
                let id: String
                let action: String
                let archive: String?
                let worktree_removed: Bool
                let branch_deleted: Bool
                let branch_kept_reason: String?
                let reason: String?
                let tmux_session: String?
                let tmux_socket: String?
                let saved_refs: [String]
                let merged_pull_request: Int?
                /// Removed by --discard with commits nothing else held (saved in `archive`).
                let discarded: Bool
            }
            struct TrashEntry: Encodable { let path: String; let action: String }
            struct Payload: Encodable { let dry_run: Bool; let sessions: [Entry]; let trash: [TrashEntry] }
            let entries = items.map { item in
                Entry(id: item.session.id.rawValue, action: item.skipReason == nil ? (done ? "cleaned" : "would_clean") : "skipped",
                      archive: item.skipReason == nil && item.archive ? CleanupCommand.archiveRef(for: item.session.id) : nil,
                      worktree_removed: item.skipReason == nil && item.removeWorktree, branch_deleted: item.skipReason == nil && item.deleteBranch,
                      branch_kept_reason: item.keptBranchReason, reason: item.skipReason,
                      tmux_session: item.stray?.tmuxName ?? (item.mergedPR != nil ? item.session.tmuxName : nil), tmux_socket: item.stray?.socket,
                      saved_refs: item.saved, merged_pull_request: item.mergedPR, discarded: item.discarded)
            }
            let trashEntries = trash.map { TrashEntry(path: $0.path, action: $0.deleted ? "deleted" : (done ? "kept" : "would_delete")) }
            Console.out(JSON.encode(Payload(dry_run: dryRun, sessions: entries, trash: trashEntries), pretty: true) + "\n")
            return
        }
        defer {
            for entry in trash {
                let verb = entry.deleted ? "deleted" : (done ? "could not delete" : "would delete")
                Console.line(displaySafe("\(verb) \(entry.path): the rest of a worktree removal that was cut short"))
            }
        }
        if items.isEmpty {
            if trash.isEmpty { Console.line("Nothing to clean up: no ended sessions are waiting.") }
            return
        }
        for item in items {
            let id = item.session.id
            if let reason = item.skipReason {
                Console.line("skip \(id): \(reason)")
                continue
            }
            var parts: [String] = []
            if let stray = item.stray {
                parts.append("tmux session \(displaySafe(stray.tmuxName)) on \(displaySafe(stray.socket)) (still running in \(displaySafe(stray.directory)))")
            }
            if let number = item.mergedPR {
                parts.append("its agent (pull request #\(number) was merged)")
            }
            if CleanupCommand.isPlaceholder(item.session) {
                Console.line("\(done ? "ended" : "would end") stray \(parts.joined())")
                continue
            }
            if item.removeWorktree { parts.append("worktree \(item.session.worktreePath)") }
            if item.deleteBranch { parts.append("branch \(item.session.branch)") }
            let what = parts.isEmpty ? "nothing left on disk" : parts.joined(separator: " and ")
            let ending = item.stray != nil || item.mergedPR != nil
            let verb = ending && !item.removeWorktree && !item.deleteBranch ? (done ? "ended" : "would end")
                : ending ? (done ? "ended and removed" : "would end and remove") : (done ? "removed" : "would remove")
            var line = "\(verb) \(id): \(what)"
            if item.archive && item.discarded {
                line += " (its unmerged commits \(done ? "saved" : "saved first") as \(CleanupCommand.archiveRef(for: id)); get them back: \(CleanupCommand.restoreCommand(item)))"
            } else if item.archive { line += " (tip \(done ? "saved" : "saved first") as \(CleanupCommand.archiveRef(for: id)))" }
            else if item.deleteBranch, let tip = item.tip, let held = item.heldBy {
                line += " (no archive: tip \(tip.prefix(7)) is on \(displaySafe(held)))"
            }
            if let kept = item.keptBranchReason { line += "; branch \(item.session.branch) kept: \(kept)" }
            Console.line(line)
            if !item.saved.isEmpty { Console.line("  " + WorktreeDisposal.savedSentence(item.saved)) }
        }
    }
}
