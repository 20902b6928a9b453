// swift-tools-version:6.0
import PackageDescription

// Times the worktree step of `git ao spawn` (create the branch, add the worktree with libgit2)
// with exactly the code spawn runs, outside the product. Built by bench/worktree.sh.
let package = Package(
    name: "worktree-step",
    dependencies: [.package(name: "git-ao", path: "../..")],
    targets: [
        .executableTarget(name: "worktree-step", dependencies: [.product(name: "Worktree", package: "git-ao")]),
    ]
)
