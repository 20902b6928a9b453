import Glibc
import Lifecycle
import Platform
import Store
import Worktree

/// The composition root: the repository a command runs in and the services it may need, each
/// created on first use so a command pays only for what it touches (`status` never loads
/// libgit2; piped output never reads git config).
final class Workspace {
    let location: RepoLocation
    private var cachedRepository: Repository?
    private var cachedConfig: GitConfig?
    private var cachedStore: StateStore?
    private var storeOpened = false

    private init(location: RepoLocation) { self.location = location }

    /// Finds the repository around the current directory, cheaply; falls back to libgit2 only
    /// to explain why there is none.
    static func locate() throws -> Workspace {
        if let location = RepoLocation.locate() { return Workspace(location: location) }
        let repository = try openRepository()
        let workspace = Workspace(location: RepoLocation(gitDir: canonicalPath(repository.gitDir), commonDir: canonicalPath(repository.commonDir)))
        workspace.cachedRepository = repository
        return workspace
    }

    /// Opens the repository with libgit2, translating failures into user errors.
    static func openRepository() throws -> Repository {
        do {
            return try Repository.discover()
        } catch let error as GitError {
            if error.context.hasPrefix("could not load") || error.context.hasPrefix("could not initialise") {
                throw Messages.libgit2Missing(error)
            }
            if error.kind == .owner {
                // git is the authority on whom to trust: libgit2 1.5.1 does not read every file
                // git reads for safe.directory, nor its `*`. When git accepts the repository,
                // open it without libgit2's own check.
                guard gitTrustsRepository() else { throw Messages.unsafeRepository(currentDirectory()) }
                do {
                    try Git.setOwnerValidation(false)
                    return try Repository.discover()
                } catch {
                    throw Messages.unsafeRepository(currentDirectory())
                }
            }
            throw Messages.notARepository(currentDirectory())
        }
    }

    /// Whether git itself opens the repository around the current directory.
    private static func gitTrustsRepository() -> Bool {
        guard let result = try? GitCLI.run(["rev-parse", "--git-dir"], timeout: 10) else { return false }
        return result.succeeded
    }

    /// The libgit2 repository (loads libgit2 on first use).
    func repository() throws -> Repository {
        if let cachedRepository { return cachedRepository }
        let repository = try Workspace.openRepository()
        cachedRepository = repository
        return repository
    }

    func config() throws -> GitConfig {
        if let cachedConfig { return cachedConfig }
        let config = try GitConfig.load()
        cachedConfig = config
        return config
    }

    /// The state database; nil when it does not exist yet and `create` is false.
    func store(create: Bool = false) throws -> StateStore? {
        if let cachedStore { return cachedStore }
        if storeOpened && !create { return nil }
        storeOpened = true
        do {
            cachedStore = try StateStore.open(directory: location.aoDirectory, create: create)
        } catch let error as StoreError {
            throw Messages.database(error)
        }
        return cachedStore
    }

    /// The state database, created when missing, for a command that writes: refused up front
    /// when this user cannot write it, so nothing is changed that could not be recorded.
    func requireStore() throws -> StateStore {
        guard let store = try store(create: true) else { throw Messages.database(StoreError(.other, "could not create the state database")) }
        if store.isReadOnly {
            throw Messages.database(StoreError(.readOnly, "this user cannot write the state database '\(location.aoDirectory)/\(StateStore.fileName)'"))
        }
        return store
    }

    /// All sessions, or none when the database does not exist yet.
    func sessions() throws -> [Session] {
        guard let store = try store() else { return [] }
        return try storeCall { try store.sessions() }
    }

    /// Finds a session by id, unique id prefix, or name.
    func resolveSession(_ handle: String) throws -> Session {
        let all = try sessions()
        return try SessionResolver.resolve(handle, among: all)
    }

    /// Runs a store call, translating its errors for the user.
    func storeCall<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as StoreError { throw Messages.database(error) }
    }

    /// Where session worktrees go: `ao.worktreeRoot`, else `<main worktree>.ao` beside it.
    func worktreeRoot() throws -> String {
        let repository = try repository()
        let main = try repository.mainWorktreePath() ?? repository.commonDir
        guard let configured = try config().nonEmpty(ConfigKeys.worktreeRoot) else { return main + ".ao" }
        if configured == "~" || configured.hasPrefix("~/") {
            return (Environment.value("HOME") ?? "") + configured.dropFirst()
        }
        return normalizedPath(absolute(configured, relativeTo: main))
    }
}

/// Turns what a user typed into one session.
enum SessionResolver {
    /// Exact id, then name (a live session first, else the newest ended one), then an id prefix:
    /// unique, or unique among the live sessions. Ended (and cleaned) sessions pile up over weeks
    /// while a user types the prefix of the one running now, so a live match wins over ended
    /// ones; several live matches, or several ended ones and no live one, stay ambiguous.
    static func resolve(_ handle: String, among sessions: [Session]) throws -> Session {
        if let exact = sessions.first(where: { $0.id.rawValue == handle }) { return exact }
        let named = sessions.filter { $0.name == handle }
        if let live = named.first(where: { !$0.isTerminated }) { return live }
        if let newest = named.max(by: { $0.createdAt < $1.createdAt }) { return newest }
        guard !handle.isEmpty else { throw Messages.sessionNotFound(handle) }
        let prefixed = sessions.filter { $0.id.rawValue.hasPrefix(handle) }
        if prefixed.count == 1 { return prefixed[0] }
        let live = prefixed.filter { !$0.isTerminated }
        if live.count == 1 { return live[0] }
        if live.count > 1 { throw Messages.sessionAmbiguous(handle, candidates: live.map(\.id.rawValue)) }
        if prefixed.count > 1 { throw Messages.sessionAmbiguous(handle, candidates: prefixed.map(\.id.rawValue)) }
        throw Messages.sessionNotFound(handle)
    }
}
