// swift-tools-version:6.0
import PackageDescription

// The dependency graph is the design's main guard; arrows point only downwards:
//
//   GitAO (executable: commands, rendering, messages, composition)
//     -> Forge         -> Platform, Lifecycle, CCurl
//     -> Agents        -> Platform, Lifecycle
//     -> TmuxRuntime   -> Platform
//     -> Store         -> CSQLite, Lifecycle, Platform
//     -> Worktree      -> CGit2
//     -> Platform      -> CSystem
//     -> Lifecycle     (pure domain, standard library only)
//
// Lower targets use `package` access: visible to the targets of this package, not a public API.
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
        // libcurl is loaded on first use (dlopen), like libgit2: nothing to link against.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .target(name: "Lifecycle", path: "Sources/Lifecycle"),
        .target(name: "Worktree", dependencies: ["CGit2"], path: "Sources/Worktree"),
        .target(name: "Store", dependencies: ["CSQLite", "Lifecycle", "Platform"], path: "Sources/Store"),
        .target(name: "Platform", dependencies: ["CSystem"], path: "Sources/Platform"),
        .target(name: "TmuxRuntime", dependencies: ["Platform"], path: "Sources/TmuxRuntime"),
        .target(name: "Agents", dependencies: ["Platform", "Lifecycle"], path: "Sources/Agents"),
        .target(name: "Forge", dependencies: ["Platform", "Lifecycle", "CCurl"], path: "Sources/Forge"),
        .executableTarget(
            name: "GitAO",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "Lifecycle", "Worktree", "Store", "Platform", "TmuxRuntime", "Agents", "Forge",
            ],
            path: "Sources/GitAO"
        ),

        // Test helpers: hermetic environments, real repositories, private tmux servers.
        .target(name: "AOTestSupport", path: "Tests/AOTestSupport"),
        .testTarget(name: "LifecycleTests", dependencies: ["Lifecycle"]),
        .testTarget(name: "WorktreeTests", dependencies: ["Worktree", "AOTestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Lifecycle", "AOTestSupport"]),
        .testTarget(name: "ForgeTests", dependencies: ["Forge", "Platform", "Lifecycle", "AOTestSupport"]),
        .testTarget(name: "GitAOTests", dependencies: ["GitAO", "Lifecycle", "Platform", "Store", "TmuxRuntime", "Agents", "AOTestSupport"]),
    ]
)
