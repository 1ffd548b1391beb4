// swift-tools-version:6.1
import PackageDescription

// A Swift agent that tests its decisions with Refold: golden threads replayed in `swift test`.
let package = Package(
  name: "SwiftAgent",
  platforms: [.macOS(.v14)],
  products: [.library(name: "DeployAgent", targets: ["DeployAgent"])],
  dependencies: [
    // In your own package: .package(url: "https://github.com/<owner>/refold", from: "…").
    .package(name: "Refold", path: "../..")
  ],
  targets: [
    .target(
      name: "DeployAgent",
      dependencies: [
        .product(name: "RefoldCore", package: "Refold"),
        .product(name: "RefoldModels", package: "Refold"),
      ]
    ),
    .testTarget(
      name: "DeployAgentTests",
      dependencies: [
        "DeployAgent",
        .product(name: "RefoldCore", package: "Refold"),
        .product(name: "RefoldEval", package: "Refold"),
        .product(name: "RefoldModels", package: "Refold"),
        .product(name: "RefoldTesting", package: "Refold"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
