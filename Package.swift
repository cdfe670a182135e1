// swift-tools-version: 6.3
import PackageDescription

let package = Package(
    name: "cqgreylist",
    products: [
        .executable(name: "cqgreylist", targets: ["cqgreylist"]),
        .executable(name: "cqgreylist-mkwhitelist", targets: ["cqgreylist-mkwhitelist"]),
        .executable(name: "cqgreylist-clean", targets: ["cqgreylist-clean"]),
        .executable(name: "cqgreylist-report", targets: ["cqgreylist-report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // tinycdb from Debian's libcdb-dev, with a shim for its macro accessors.
        .systemLibrary(name: "CTinyCDB", pkgConfig: "libcdb", providers: [.apt(["libcdb-dev"])]),
        // hiredis from Debian's libhiredis-dev (its static library goes into the static wrapper).
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        // c-ares from Debian's libc-ares-dev: the whitelist compiler's DNS client (SPF entries). Never the wrapper's.
        .systemLibrary(name: "CAres", pkgConfig: "libcares", providers: [.apt(["libc-ares-dev"])]),
        // libpsl from Debian's libpsl-dev: the whitelist compiler's check of host-name entries against the Public
        // Suffix List (read from Debian's publicsuffix data, not the library's built-in copy). Never the wrapper's.
        .systemLibrary(name: "CPSL", pkgConfig: "libpsl", providers: [.apt(["libpsl-dev"])]),
        // The C library for the shell, the same in the normal and the Embedded build (which has no Glibc overlay).
        .target(name: "CSystem"),

        // What runs per connection: the wrapper and the two modules it links, which hold its path and nothing else
        // (tools/build-embedded compiles both whole, in Embedded Swift).
        //
        // The wrapper's pure core: client addresses, record keys and the decision table, settings and their
        // defaults, the refusal dialogue, the log line's writer, the record and whitelist cdb formats it reads.
        // No imports, no pointers.
        // Its generic parsers are specialized in the modules that call them (the whitelist compiler parses a million
        // lines with them): without cross-module optimization each byte went through a witness table.
        .target(
            name: "Greylist",
            swiftSettings: [.strictMemorySafety(), .treatWarning("StrictMemorySafety", as: .error),
                            .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),

        // The wrapper's shell: system calls, the state directory and Redis stores, the whitelist lookup. Glibc only.
        .target(
            name: "GreylistSystem",
            dependencies: ["Greylist", "CSystem", "CTinyCDB", "CHiredis"],
            swiftSettings: [.strictMemorySafety()]),

        // The per-connection wrapper: a fully static executable in release builds.
        .executableTarget(
            name: "cqgreylist",
            dependencies: ["Greylist", "GreylistSystem"],
            linkerSettings: [.unsafeFlags(["-static-executable", "-use-ld=lld"], .when(platforms: [.linux], configuration: .release))]),

        // What the administrator's tools add, never linked by the wrapper.
        //
        // Their pure core: the log's parser and report, metrics and Prometheus text, record statistics and sweep
        // events, SPF records and their expansion, the whitelist compilation. No imports, no pointers.
        .target(
            name: "GreylistAdmin",
            dependencies: ["Greylist"],
            swiftSettings: [.strictMemorySafety(), .treatWarning("StrictMemorySafety", as: .error),
                            .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),

        // Their shell: the cleaner's sweep and Redis maintenance, the whitelist compiler's writer, the log reader,
        // the setup checks, and the commands' common frame. May use ArgumentParser (and with it FoundationEssentials).
        .target(
            name: "GreylistTools",
            dependencies: ["Greylist", "GreylistSystem", "GreylistAdmin", "CSystem", "CTinyCDB",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: [.strictMemorySafety()]),

        // What the whitelist compiler asks of the outside world: DNS lookups for SPF entries (c-ares) and the Public
        // Suffix List for host-name entries (libpsl). Linked by cqgreylist-mkwhitelist only.
        .target(
            name: "GreylistDNS",
            dependencies: ["Greylist", "GreylistSystem", "GreylistAdmin", "CAres", "CPSL"],
            swiftSettings: [.strictMemorySafety()]),

        .executableTarget(
            name: "cqgreylist-mkwhitelist",
            dependencies: ["Greylist", "GreylistSystem", "GreylistAdmin", "GreylistDNS", "GreylistTools",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "cqgreylist-clean",
            dependencies: ["Greylist", "GreylistSystem", "GreylistAdmin", "GreylistTools",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "cqgreylist-report",
            dependencies: ["Greylist", "GreylistSystem", "GreylistAdmin", "GreylistTools",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "GreylistTests", dependencies: ["Greylist", "GreylistAdmin"], exclude: ["FuzzCorpus"]),
        // What the system and end-to-end tests share (temporary directories, aged records, patched cdbs).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "GreylistSystemTests", dependencies: ["Greylist", "GreylistSystem", "GreylistAdmin", "GreylistTools", "TestSupport"]),
        // Runs the built executables as processes; depends on no executable target.
        .testTarget(name: "EndToEndTests", dependencies: ["Greylist", "TestSupport"]),
    ]
)
