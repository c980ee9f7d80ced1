// swift-tools-version:6.1
// libFuzzer targets for every parser of playbook: built only by `fuzz/run`, with
// `-sanitize=fuzzer,address`, in their own scratch path (see docs/reliability.md).
//
// A package of its own, so that the main build and `swift test` never compile or link them.
import PackageDescription

let fuzzTargets = ["FuzzPlaybook", "FuzzExpression", "FuzzTemplate", "FuzzContacts", "FuzzScenario", "FuzzWebhook"]

let package = Package(
    name: "playbook-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "playbook", path: "..")],
    targets: [
        /// `<Target>_main` for each fuzz target: SwiftPM renames a Swift executable's entry point
        /// to `<Target>_main`; here it hands control to libFuzzer's driver.
        .target(name: "FuzzDriver", path: "Sources/FuzzDriver"),
        .target(name: "FuzzSupport", dependencies: [.product(name: "PlaybookCore", package: "playbook")], path: "Sources/FuzzSupport"),
    ] + fuzzTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzDriver", "FuzzSupport", .product(name: "PlaybookCore", package: "playbook")],
            path: "Sources/\(name)",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    },
    swiftLanguageModes: [.v6]
)
