import Foundation
import IR
import NumPy
import XCTest

/// Builds `examples/SwishPlugin` once (a separate package depending on this
/// one by path) and loads it with `--plugins` into the built `workbench`.
enum ExamplePackage {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/Fixtures/generated")

    /// The package's build directory (debug), after a successful `swift build`.
    static let buildDirectory: Result<URL, Error> = Result { try build() }

    private static func build() throws -> URL {
        let package = root.appendingPathComponent("examples/SwishPlugin")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "build", "--package-path", package.path]
        // The outer `swift test` sets variables meant for its own build; the nested build starts clean.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWIFTPM_") && $0.key != "SWIFT_EXEC" }
        let log = Pipe()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("swift build --package-path examples/SwishPlugin failed:\n\(output.suffix(4000))")
        }
        return package.appendingPathComponent(".build/debug")
    }

    static func library(_ name: String) throws -> String {
        try buildDirectory.get().appendingPathComponent(name).path
    }
}

final class ExamplePluginTests: WorkbenchProcessTestCase {
    var plugin: String!
    var model: String { ExamplePackage.fixtures.appendingPathComponent("wenet-tiny.onnx").path }
    var data: String { ExamplePackage.fixtures.appendingPathComponent("wenet-tiny.npz").path }

    override func setUpWithError() throws {
        try super.setUpWithError()
        plugin = try ExamplePackage.library("libSwishPlugin.so")
    }

    func testSurgeonRunsThePluginsPassBeforeTheBuiltinSwish() throws {
        let r = try workbench("surgeon", model, "--plugins", plugin, "--verbose", "--json", "-o", "fused.onnx")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("[V] loaded \(plugin!): plugin com.example::FastSwish@1, pass FastSwish (before Swish)"),
                      r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let passes = try XCTUnwrap(report["passes"] as? [[String: Any]])
        let names = passes.compactMap { $0["name"] as? String }
        XCTAssertEqual(names.firstIndex(of: "FastSwish").map { $0 + 1 }, names.firstIndex(of: "Swish"))
        let ops = try XCTUnwrap(report["opsAfter"] as? [String: Int])
        XCTAssertEqual(ops["com.example::FastSwish"], 6)   // the 4 FFN and 2 conv-module Swishes of 2 blocks
        XCTAssertNil(ops["Sigmoid"])
        XCTAssertNil(ops["com.workbench::Swish"])
        // The written model imports the plugin's domain; reading it back needs no plugin.
        let reread = try workbench("inspect", "fused.onnx")
        XCTAssertEqual(reread.status, 0, reread.stderr)
        XCTAssertTrue(reread.stdout.contains("FastSwish"), reread.stdout)
        // The reference executor runs the fused model's plugin nodes through the loaded plugin.
        let fused = try workbench("run", "--onnx", "fused.onnx", "--plugins", plugin, "--shapes", "speech:2x33x80,speech_lengths:2")
        XCTAssertEqual(fused.status, 0, fused.stderr)
    }

    func testEngineWithThePluginMatchesTheReference() throws {
        let fixture = try NumPy.readArrays(contentsOf: URL(fileURLWithPath: data))
        let inputs = try ["speech", "speech_lengths"].map { ($0, try XCTUnwrap(fixture[$0])) }
        try NumPy.writeArchive(NumPyArchive(inputs), to: url("inputs.npz"))
        let build = try workbench("build", "--onnx", model, "--plugins", plugin, "--minShapes", "speech:1x16x80",
                                  "--optShapes", "speech:3x45x80", "--maxShapes", "speech:4x64x80", "--saveEngine", "swish.plan")
        XCTAssertEqual(build.status, 0, build.stderr)
        let run = try workbench("run", "--loadEngine", "swish.plan", "--plugins", plugin, "--loadInputs", "inputs.npz",
                                "--exportOutput", "engine.npz", "--dumpProfile")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout.components(separatedBy: "[FastSwish: swish.simd8]").count - 1, 6, run.stdout)
        let reference = try workbench("run", "--onnx", model, "--loadInputs", "inputs.npz", "--exportOutput", "reference.npz")
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let engine = try NumPy.readArrays(contentsOf: url("engine.npz"))
        let oracle = try NumPy.readArrays(contentsOf: url("reference.npz"))
        let y = try XCTUnwrap(engine["encoder_out"]?.floats), want = try XCTUnwrap(oracle["encoder_out"]?.floats)
        XCTAssertEqual(y.count, want.count)
        XCTAssertLessThan(zip(y, want).map { abs($0 - $1) }.max() ?? .infinity, 1e-4)
        // And ONNX Runtime's outputs stored with the fixture.
        let ort = try XCTUnwrap(fixture["encoder_out"]?.floats)
        XCTAssertLessThan(zip(y, ort).map { abs($0 - $1) }.max() ?? .infinity, 1e-4)
        let score = try workbench("score", "--loadEngine", "swish.plan", "--plugins", plugin, "--data", data,
                                  "--iterations", "1", "--warmUp", "0")
        XCTAssertEqual(score.status, 0, score.stderr)
        XCTAssertTrue(score.stdout.contains("Good"), score.stdout)
        // Without the library the plan names the plugin it needs, and the flag.
        assertFails(try workbench("run", "--loadEngine", "swish.plan", "--loadInputs", "inputs.npz"),
                    mentioning: ["swish.plan", "com.example::FastSwish@1", "not registered", "--plugins"])
    }

    func testLibraryErrors() throws {
        assertFails(try workbench("surgeon", model, "--plugins", "missing/libNope.so"),
                    mentioning: ["--plugins missing/libNope.so: no such file"])
        // The plugin support library itself exports no entry point.
        let support = try ExamplePackage.library("libWorkbenchPlugins.so")
        assertFails(try workbench("run", "--onnx", model, "--plugins", support),
                    mentioning: ["--plugins \(support)", "does not export 'workbench_register_plugins'"])
        assertFails(try workbench("build", "--onnx", model, "--plugins", plugin, "--plugins", plugin, "--saveEngine", "x.plan"),
                    mentioning: ["--plugins \(plugin!)", "plugin com.example::FastSwish is already registered (by \(plugin!))"])
        try Data("not an ELF file".utf8).write(to: url("libText.so"))
        assertFails(try workbench("score", "--loadEngine", "x.plan", "--data", data, "--plugins", "libText.so"),
                    mentioning: ["--plugins libText.so: cannot load the library"])
    }
}
