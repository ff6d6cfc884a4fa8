// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "workbench",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "workbench", targets: ["workbench"]),
        .library(name: "WorkbenchIR", targets: ["IR"]),
        // What a plugin package links: the Plugin protocol, registries, tensors and the
        // pattern/rewrite API. Dynamic, so a plugin library and the `workbench` binary share
        // one copy of these modules' types (see README, "Writing plugins").
        .library(name: "WorkbenchPlugins", type: .dynamic, targets: ["IR", "Kernels", "Plugins", "Reference", "Passes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        // Layer 0: the graph IR. Depends on nothing.
        .target(name: "IR"),
        // ONNX files <-> Graph (generated protobuf code + importer/exporter).
        .target(name: "ONNX", dependencies: ["IR", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // OpenBLAS through its CBLAS header (Debian: libopenblas-dev).
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        // Compute on buffers: BLAS-backed GEMM, convolution helpers, threading.
        // Hand-written AVX2/FMA kernels (run-time CPU dispatch, portable fallbacks).
        .target(name: "CKernels"),
        .target(name: "Kernels", dependencies: ["COpenBLAS", "CKernels"]),
        // The plain op-by-op executor: the oracle.
        .target(name: "Reference", dependencies: ["IR", "Kernels"]),
        // NumPy .npy/.npz reading and writing.
        .target(name: "NumPy", dependencies: ["IR", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // The public plugin contract (Plugin, PluginCall, registry) and the built-in fused-op plugins.
        .target(name: "Plugins", dependencies: ["IR", "Kernels"]),
        // Graph rewrites: folding, dead code, legalization, fusions into plugin nodes.
        .target(name: "Passes", dependencies: ["IR", "Plugins", "Reference"]),
        // The serialized engine container: versioned header, checksum, manifest, aligned weights.
        .target(name: "Plan", dependencies: ["IR"]),
        // Loading plans and running them: Engine, ExecutionContext, the engine's layers.
        .target(name: "Runtime", dependencies: ["IR", "Plugins", "Kernels", "Plan", "Reference"]),
        // BuilderConfig, profiles, lowering, tactic timing, memory planning; its product is a plan.
        .target(name: "Builder", dependencies: ["IR", "Passes", "Plugins", "Kernels", "Plan", "Reference", "Runtime"]),
        // The hackathon checks, score tables and comparisons.
        .target(name: "Scoring", dependencies: ["IR", "NumPy", "Reference", "Runtime"]),
        // Debugging tools: subgraph extraction, plugin tests, layer-by-layer engine comparison.
        .target(name: "Debugging", dependencies: ["IR", "Kernels", "Passes", "Plugins", "Reference", "Runtime"]),
        .executableTarget(name: "workbench", dependencies: [
            "IR", "ONNX", "Reference", "NumPy", "Scoring", "Builder", "Runtime", "Plan", "Plugins", "Passes", "Debugging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: [
            // Export the binary's symbols so a plugin library loaded with --plugins binds to the
            // binary's copy of the Plugins/Passes/IR types (one copy of each protocol and class).
            .unsafeFlags(["-Xlinker", "--export-dynamic"], .when(platforms: [.linux])),
        ]),
        .target(name: "_TestSupport", dependencies: ["IR"], path: "Sources/_TestSupport"),

        .testTarget(name: "IRTests", dependencies: ["IR", "_TestSupport"]),
        .testTarget(name: "ONNXTests", dependencies: ["IR", "ONNX", "_TestSupport"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels"]),
        .testTarget(name: "ReferenceTests", dependencies: ["IR", "Reference", "Kernels", "_TestSupport"]),
        .testTarget(name: "NumPyTests", dependencies: ["IR", "NumPy", "_TestSupport"]),
        .testTarget(name: "PluginsTests", dependencies: ["IR", "Plugins", "Reference", "Kernels", "_TestSupport"]),
        .testTarget(name: "PassesTests", dependencies: ["IR", "Passes", "Plugins", "Reference", "ONNX", "_TestSupport"]),
        .testTarget(name: "BuilderTests", dependencies: ["IR", "ONNX", "Builder", "Runtime", "Plan", "Plugins", "Reference", "NumPy", "_TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["IR", "ONNX", "Builder", "Runtime", "Plan", "Plugins", "Reference", "NumPy", "Scoring", "_TestSupport"]),
        .testTarget(name: "PlanTests", dependencies: ["IR", "Plan", "_TestSupport"]),
        .testTarget(name: "ScoringTests", dependencies: ["IR", "Scoring", "NumPy", "ONNX", "Reference", "_TestSupport"]),
        .testTarget(name: "ConformanceTests", dependencies: ["IR", "ONNX", "Reference", "_TestSupport"]),
        // End-to-end: committed model fixtures (Tests/Fixtures) run by the reference executor.
        .testTarget(name: "ModelTests", dependencies: ["IR", "ONNX", "Reference", "NumPy", "_TestSupport"]),
        .testTarget(name: "DebuggingTests", dependencies: ["IR", "ONNX", "Debugging", "Builder", "Runtime", "Plugins", "Reference", "Passes", "Kernels", "NumPy", "_TestSupport"]),
        // Runs the built `workbench` binary: exit codes, one-line errors, output files.
        // Builds examples/SwishPlugin and loads it into the `workbench` binary with --plugins.
        .testTarget(name: "PluginLoadingTests", dependencies: ["workbench", "IR", "ONNX", "NumPy", "Plan", "Plugins", "Passes", "_TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["workbench", "ONNX", "NumPy", "IR", "_TestSupport"]),
    ]
)
