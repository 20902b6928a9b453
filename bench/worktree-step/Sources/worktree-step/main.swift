import Glibc
import Worktree

// worktree-step <repository> <branch> <path>: what spawn's "creating the branch" and
// "creating the worktree" steps do, in a fresh process as spawn would run them.
let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    print("usage: worktree-step <repository> <branch> <path>")
    exit(64)
}
do {
    let repository = try Repository.open(at: arguments[1])
    guard let head = try repository.headSHA() else { print("no HEAD"); exit(1) }
    try repository.createBranch(arguments[2], at: head)
    let name = repository.availableWorktreeName(base: arguments[2])
    _ = try repository.addWorktree(name: name, path: arguments[3], branch: arguments[2])
} catch {
    print("worktree-step: \(error)")
    exit(1)
}
