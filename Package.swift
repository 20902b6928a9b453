// swift-tools-version:6.0
import PackageDescription

// The dependency graph is the design's main guard:
//   Lifecycle  <- nothing (pure domain, standard library only)
//   Worktree   <- CGit2 (libgit2, loaded lazily)
//   Store      <- CSQLite, Lifecycle
//   GitAO      <- everything; the only place where the modules meet
let package = Package(
    name: "git-ao",
    products: [
        .executable(name: "git-ao", targets: ["GitAO"]),
        // For bench/worktree-step, which times spawn's worktree step on its own.
        .library(name: "Worktree", targets: ["Worktree"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CGit2", path: "Sources/CGit2"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        .target(name: "Lifecycle", path: "Sources/Lifecycle"),
        .target(name: "Worktree", dependencies: ["CGit2"], path: "Sources/Worktree"),
        .target(name: "Store", dependencies: ["CSQLite", "Lifecycle"], path: "Sources/Store"),
        .executableTarget(
            name: "GitAO",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "Lifecycle", "Worktree", "Store", "CSystem",
            ],
            path: "Sources/GitAO"
        ),

        // Test helpers: hermetic environments, real repositories, private tmux servers.
        .target(name: "AOTestSupport", path: "Tests/AOTestSupport"),
        .testTarget(name: "LifecycleTests", dependencies: ["Lifecycle"]),
        .testTarget(name: "WorktreeTests", dependencies: ["Worktree", "AOTestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Lifecycle", "AOTestSupport"]),
        .testTarget(name: "GitAOTests", dependencies: ["GitAO", "Lifecycle", "AOTestSupport"]),
    ]
)
