// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "Refold",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "refold", targets: ["refold"]),
    .library(name: "RefoldCore", targets: ["RefoldCore"]),
    .library(name: "RefoldShared", targets: ["RefoldShared"]),
    .library(name: "RefoldStore", targets: ["RefoldStore"]),
    .library(name: "RefoldPostgres", targets: ["RefoldPostgres"]),
    .library(name: "RefoldModels", targets: ["RefoldModels"]),
    .library(name: "RefoldEval", targets: ["RefoldEval"]),
    .library(name: "RefoldReport", targets: ["RefoldReport"]),
    .library(name: "RefoldServer", targets: ["RefoldServer"]),
    .library(name: "RefoldTesting", targets: ["RefoldTesting"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
  ],
  targets: [
    .systemLibrary(
      name: "CSQLite",
      providers: [.apt(["libsqlite3-dev"])]
    ),
    .systemLibrary(
      name: "CLibpq",
      pkgConfig: "libpq",
      providers: [.apt(["libpq-dev"])]
    ),
    .systemLibrary(
      name: "CZlib",
      providers: [.apt(["zlib1g-dev"])]
    ),
    .target(name: "RefoldCore"),
    .target(name: "RefoldShared", dependencies: ["RefoldCore"]),
    .target(name: "RefoldStore", dependencies: ["RefoldCore", "RefoldShared", "CSQLite"]),
    .target(name: "RefoldPostgres", dependencies: ["RefoldCore", "RefoldShared", "CLibpq"]),
    .target(
      name: "RefoldModels",
      dependencies: [
        "RefoldCore", "RefoldShared", "CZlib",
        .product(name: "Yams", package: "Yams"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "RefoldEval",
      dependencies: ["RefoldCore", "RefoldShared", "RefoldModels"]
    ),
    .target(name: "RefoldReport", dependencies: ["RefoldCore", "RefoldShared"]),
    .target(
      name: "RefoldServer",
      dependencies: [
        "RefoldCore", "RefoldShared", "RefoldModels", "RefoldEval",
        .product(name: "FlyingFox", package: "FlyingFox"),
        .product(name: "FlyingSocks", package: "FlyingFox"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "RefoldCLI",
      dependencies: [
        "RefoldCore", "RefoldShared", "RefoldStore", "RefoldPostgres", "RefoldModels",
        "RefoldEval", "RefoldReport", "RefoldServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(
      name: "RefoldTesting",
      dependencies: [
        "RefoldCore", "RefoldShared", "RefoldModels", "RefoldEval",
        .product(name: "FlyingFox", package: "FlyingFox"),
      ]
    ),
    .executableTarget(name: "refold", dependencies: ["RefoldCLI"]),
    .executableTarget(
      name: "refold-bench",
      dependencies: [
        "RefoldCore", "RefoldShared", "RefoldStore", "RefoldPostgres", "RefoldModels", "RefoldEval",
        "RefoldCLI",
      ]
    ),
    .target(name: "RefoldTestSupport", path: "Tests/RefoldTestSupport"),
    .testTarget(
      name: "RefoldCoreTests", dependencies: ["RefoldCore", "RefoldShared", "RefoldTesting"]),
    .testTarget(
      name: "RefoldStoreTests",
      dependencies: [
        "RefoldStore", "RefoldPostgres", "RefoldShared", "RefoldCore", "RefoldTestSupport",
      ]
    ),
    .testTarget(
      name: "RefoldModelsTests",
      dependencies: [
        "RefoldModels", "RefoldShared", "RefoldCore", "RefoldTesting", "RefoldTestSupport",
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .testTarget(
      name: "RefoldEvalTests",
      dependencies: [
        "RefoldEval", "RefoldReport", "RefoldShared", "RefoldModels", "RefoldCore",
        "RefoldTesting", "RefoldTestSupport",
      ]
    ),
    .testTarget(
      name: "RefoldReportTests", dependencies: ["RefoldReport", "RefoldShared", "RefoldCore"]),
    .testTarget(
      name: "RefoldServerTests",
      dependencies: [
        "RefoldServer", "RefoldStore", "RefoldModels", "RefoldEval", "RefoldShared", "RefoldCore",
        "RefoldTesting", "RefoldTestSupport",
      ]
    ),
    .testTarget(
      name: "RefoldTestingTests",
      dependencies: [
        "RefoldTesting", "RefoldEval", "RefoldModels", "RefoldShared", "RefoldCore",
        "RefoldTestSupport",
      ]
    ),
    .testTarget(
      name: "RefoldCLITests",
      dependencies: [
        "RefoldCLI", "RefoldServer", "RefoldStore", "RefoldPostgres", "RefoldEval",
        "RefoldModels", "RefoldReport", "RefoldShared", "RefoldCore",
        "RefoldTesting", "RefoldTestSupport",
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
