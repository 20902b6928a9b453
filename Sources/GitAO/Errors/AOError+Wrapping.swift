import Platform
import Store
import Worktree

extension StoreError: DomainFailure {}
extension GitError: DomainFailure {}
extension SeedConflict: DomainFailure {}

extension AOError {
    /// Wraps a lower-level failure that reached the user without a more specific translation.
    static func wrapping(_ error: Error) -> AOError {
        switch error {
        case let error as AOError:
            return error
        case let error as StoreError:
            return Messages.database(error)
        case let error as GitError:
            return AOError(.gitFailed, error.description, hint: "Run 'git ao doctor' to check the repository and libgit2.")
        case let error as Subprocess.LaunchFailure:
            return AOError(.runtimeFailed, error.description, hint: "Check that the program is installed and on PATH.")
        case let error as FileError:
            return AOError(.ioFailed, error.description, hint: "Check the path and its permissions.")
        default:
            return AOError(.ioFailed, String(describing: error), hint: "Run 'git ao doctor' for a check of the set-up.")
        }
    }
}
