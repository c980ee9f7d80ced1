// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "playbook",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "playbook", targets: ["playbook"]),
        .library(name: "PlaybookCore", targets: ["PlaybookCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The --listen server (routing, cookies, forms, idle timeouts) and its graceful shutdown.
        // Its default traits pull in swift-configuration, which nothing here reads.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        /// The language: loading, diagnostics, expressions, validation, planning. No network, no database.
        .target(
            name: "PlaybookCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        /// Running playbooks: executor, journal (SQLite), audience fan-out. Reaches channels only through its ports.
        .target(
            name: "PlaybookEngine",
            dependencies: [
                "PlaybookCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        /// The PostgreSQL journal (`--state postgres://...`): shared state for several runners.
        .target(
            name: "PlaybookPostgres",
            dependencies: [
                "PlaybookCore", "PlaybookEngine",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        /// One adapter per channel type, each speaking its provider's real API.
        .target(
            name: "PlaybookChannels",
            dependencies: [
                "PlaybookCore", "PlaybookEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        /// The web console and approval links of `--listen`: pages, sessions, CSRF, over the
        /// journal and the serving process's backend.
        .target(
            name: "PlaybookConsole",
            dependencies: [
                "PlaybookCore", "PlaybookEngine", "PlaybookChannels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        /// The git commit a release binary was built from (scripts/release sets it; C, so that a
        /// build flag can carry it).
        .target(name: "PlaybookBuildInfo"),
        /// The command line: one file per subcommand, each a thin call into the library.
        .executableTarget(
            name: "playbook",
            dependencies: [
                "PlaybookCore", "PlaybookEngine", "PlaybookChannels", "PlaybookPostgres", "PlaybookConsole", "PlaybookBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        /// Generates 1,000 playbooks and times validation against a raw Yams parse.
        .executableTarget(
            name: "bench-validate",
            dependencies: ["PlaybookCore", .product(name: "Yams", package: "Yams")],
            path: "bench/validate",
            swiftSettings: strict
        ),
        /// Plans a 200-step playbook against 100,000 generated contacts, beside the time to read the CSV.
        .executableTarget(
            name: "bench-plan",
            dependencies: ["PlaybookCore"],
            path: "bench/plan",
            swiftSettings: strict
        ),
        /// Segments and renders 1,000,000 generated contacts, beside the time to read the CSV.
        .executableTarget(
            name: "bench-audience",
            dependencies: ["PlaybookCore"],
            path: "bench/audience",
            swiftSettings: strict
        ),
        /// The release `playbook run` process notifying 50,000 contacts through a webhook channel
        /// into nginx, beside wrk against the same nginx in the same run.
        .executableTarget(
            name: "bench-fanout",
            dependencies: ["PlaybookEngine"],
            path: "bench/fanout",
            exclude: ["perf-parts.py"],
            swiftSettings: strict
        ),
        /// Watches 500 generated playbooks (3 triggers each) against loopback fakes, beside a plain
        /// probing loop on the same schedule: lateness of probe cycles, CPU, memory.
        .executableTarget(
            name: "bench-watch",
            dependencies: [
                "PlaybookCore", "PlaybookEngine", "PlaybookChannels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "bench/watch",
            swiftSettings: strict
        ),
        /// The 100,000-contact webhook fan-out with 1, 2 and 4 runner processes sharing a PostgreSQL
        /// journal, beside the SQLite journal and the sink's own rate.
        .executableTarget(
            name: "bench-scaleout",
            dependencies: [
                "PlaybookCore", "PlaybookEngine", "PlaybookChannels", "PlaybookPostgres", "BenchSink",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "bench/scaleout",
            swiftSettings: strict
        ),
        /// The loopback HTTP sink the fan-out benchmarks send into, and its plain-client rate.
        .target(
            name: "BenchSink",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "bench/sink",
            swiftSettings: strict
        ),
        .target(
            name: "PlaybookTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PlaybookCoreTests",
            dependencies: ["PlaybookCore", "PlaybookTestSupport"],
            exclude: ["Snapshots"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PlaybookEngineTests",
            dependencies: ["PlaybookCore", "PlaybookEngine", "PlaybookTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PlaybookChannelsTests",
            dependencies: ["PlaybookCore", "PlaybookEngine", "PlaybookChannels", "PlaybookTestSupport",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "AsyncHTTPClient", package: "async-http-client")],
            exclude: ["Support/smtp_server.py"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PlaybookConsoleTests",
            dependencies: [
                "PlaybookCore", "PlaybookEngine", "PlaybookChannels", "PlaybookConsole", "PlaybookTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PlaybookPostgresTests",
            dependencies: [
                "PlaybookCore", "PlaybookEngine", "PlaybookPostgres", "PlaybookTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PlaybookCLITests",
            dependencies: ["PlaybookCore", "PlaybookTestSupport", .product(name: "PostgresNIO", package: "postgres-nio")],
            exclude: ["Support/sink.py", "Support/console_browser.py", "Support/inbox.py"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
