// swift-tools-version:6.0
// A workbench plugin package: one fused op (com.example::FastSwish), its SIMD
// kernel, and the surgeon pass that puts it in the graph. Build with
// `swift build --package-path examples/SwishPlugin`, load the library with
// `workbench build --plugins examples/SwishPlugin/.build/debug/libSwishPlugin.so ...`.
import PackageDescription

let package = Package(
    name: "SwishPlugin",
    platforms: [.macOS(.v14)],
    products: [
        // `.dynamic`: the loader dlopens this library.
        .library(name: "SwishPlugin", type: .dynamic, targets: ["SwishPlugin"]),
    ],
    dependencies: [
        // The workbench checkout; a plugin package elsewhere points at its own clone.
        .package(name: "workbench", path: "../.."),
    ],
    targets: [
        // WorkbenchPlugins is a dynamic library product: the plugin links it instead of
        // carrying its own copy of the Plugin protocol and the registries.
        .target(name: "SwishPlugin", dependencies: [.product(name: "WorkbenchPlugins", package: "workbench")]),
    ]
)
