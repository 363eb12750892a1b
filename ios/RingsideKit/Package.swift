// swift-tools-version:5.9
// RingsideKit: the Rust core as an XCFramework (built by scripts/build-ios), its generated
// Swift bindings, a thin Swift layer of services behind protocols, and the app's view models
// and screens, so everything but the app shell is tested with `swift test`/xcodebuild here.
import PackageDescription

let package = Package(
    name: "RingsideKit",
    platforms: [.iOS(.v17)],
    products: [
        .library(name: "RingsideKit", targets: ["RingsideKit"]),
        .library(name: "RingsideFeatures", targets: ["RingsideFeatures"]),
        .library(name: "RingsideMocks", targets: ["RingsideMocks"]),
    ],
    targets: [
        // The static core library with the uniffi C scaffolding and the real-time audio
        // header, one module `RingsideCoreFFI` (scripts/build-ios writes its modulemap).
        .binaryTarget(name: "RingsideCoreFFI", path: "../build/RingsideCoreFFI.xcframework"),
        // uniffi's generated Swift (module RingsideCore); scripts/build-ios copies it here.
        .target(name: "RingsideCore", dependencies: ["RingsideCoreFFI"]),
        .target(
            name: "RingsideKit",
            dependencies: ["RingsideCore", "RingsideCoreFFI"],
            linkerSettings: [
                .linkedFramework("CallKit"), .linkedFramework("PushKit"),
                .linkedFramework("AVFoundation"), .linkedFramework("Network"),
                .linkedFramework("Security"), .linkedLibrary("resolv"),
            ]
        ),
        .target(name: "RingsideMocks", dependencies: ["RingsideKit"]),
        .target(name: "RingsideFeatures", dependencies: ["RingsideKit"]),
        .testTarget(name: "RingsideKitTests", dependencies: ["RingsideKit", "RingsideMocks"]),
        .testTarget(name: "RingsideFeaturesTests", dependencies: ["RingsideFeatures", "RingsideMocks"]),
    ]
)
