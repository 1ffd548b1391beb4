// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "Refold",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "refold", targets: ["refold"]),
    .library(name: "RefoldCore", targets: ["RefoldCore"]),
    .library(name: "RefoldStore", targets: ["RefoldStore"]),
    .library(name: "RefoldModels", targets: ["RefoldModels"]),
    .library(name: "RefoldEval", targets: ["RefoldEval"]),
    .library(name: "RefoldReport", targets: ["RefoldReport"]),
    .library(name: "RefoldServer", targets: ["RefoldServer"]),
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
    .target(name: "RefoldCore"),
    .target(name: "RefoldStore", dependencies: ["RefoldCore", "CSQLite"]),
    .target(
      name: "RefoldModels",
      dependencies: [
        "RefoldCore",
        .product(name: "Yams", package: "Yams"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "RefoldEval",
      dependencies: ["RefoldCore", "RefoldModels"]
    ),
    .target(name: "RefoldReport", dependencies: ["RefoldCore"]),
    .target(
      name: "RefoldServer",
      dependencies: [
        "RefoldCore", "RefoldStore", "RefoldModels", "RefoldEval",
        .product(name: "FlyingFox", package: "FlyingFox"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "RefoldCLI",
      dependencies: [
        "RefoldCore", "RefoldStore", "RefoldModels", "RefoldEval", "RefoldReport",
        "RefoldServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(name: "refold", dependencies: ["RefoldCLI"]),
    .executableTarget(
      name: "refold-bench",
      dependencies: ["RefoldCore", "RefoldStore", "RefoldModels", "RefoldEval", "RefoldReport"]
    ),
    .target(name: "RefoldTestSupport", path: "Tests/RefoldTestSupport"),
    .testTarget(name: "RefoldCoreTests", dependencies: ["RefoldCore"]),
    .testTarget(
      name: "RefoldStoreTests", dependencies: ["RefoldStore", "RefoldCore", "RefoldTestSupport"]),
    .testTarget(
      name: "RefoldModelsTests",
      dependencies: [
        "RefoldModels", "RefoldCore", "RefoldTestSupport",
        .product(name: "FlyingFox", package: "FlyingFox"),
      ]
    ),
    .testTarget(
      name: "RefoldEvalTests", dependencies: ["RefoldEval", "RefoldModels", "RefoldCore"]),
    .testTarget(name: "RefoldReportTests", dependencies: ["RefoldReport", "RefoldCore"]),
    .testTarget(
      name: "RefoldServerTests",
      dependencies: [
        "RefoldServer", "RefoldStore", "RefoldModels", "RefoldEval", "RefoldCore",
        "RefoldTestSupport",
        .product(name: "FlyingFox", package: "FlyingFox"),
      ]
    ),
    .testTarget(
      name: "RefoldCLITests",
      dependencies: [
        "RefoldCLI", "RefoldServer", "RefoldStore", "RefoldModels", "RefoldEval", "RefoldCore",
        "RefoldTestSupport", .product(name: "FlyingFox", package: "FlyingFox"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
