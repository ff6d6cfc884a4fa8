// Builder checks on the committed tiny fixtures (Tests/Fixtures/generated; see
// its README to regenerate): profile validation, the timing cache, the memory
// plan and the plan written by a build.

import Builder
import Foundation
import IR
import ONNX
import Plan
import Runtime
import XCTest

final class BuilderTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/generated")

    private func wenet() throws -> Graph {
        try ONNXImporter().load(contentsOf: Self.fixtures.appendingPathComponent("wenet-tiny.onnx")).graph
    }

    private func profile(b: (Int, Int, Int), t: (Int, Int, Int)) -> OptimizationProfile {
        var p = OptimizationProfile()
        p.setDimensions("speech", min: [b.0, t.0, 80], opt: [b.1, t.1, 80], max: [b.2, t.2, 80])
        p.setDimensions("speech_lengths", min: [b.0], opt: [b.1], max: [b.2])
        return p
    }

    private func assertBuildFails(_ config: BuilderConfig, _ expected: BuilderError,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let graph = try wenet()
        XCTAssertThrowsError(try Builder(config).build(graph), file: file, line: line) { error in
            XCTAssertEqual(error as? BuilderError, expected, file: file, line: line)
        }
    }

    func testProfileValidation() throws {
        try assertBuildFails(BuilderConfig(), .noProfiles)
        var p = profile(b: (1, 2, 4), t: (16, 32, 64))
        p.inputs["speech"]!.opt = [2, 70, 80]
        try assertBuildFails(BuilderConfig(profiles: [p]),
                             .rangeOrder(profile: 0, input: "speech", dim: 1, min: 16, opt: 70, max: 64))
        p = profile(b: (1, 2, 4), t: (16, 32, 64))
        p.inputs["speech"]!.max = [4, 64, 81]
        try assertBuildFails(BuilderConfig(profiles: [p]),
                             .staticDim(profile: 0, input: "speech", dim: 2, declared: 80, range: 80...81))
        p = profile(b: (1, 2, 4), t: (16, 32, 64))
        p.inputs["speech_lengths"] = nil
        try assertBuildFails(BuilderConfig(profiles: [profile(b: (1, 1, 1), t: (16, 16, 16)), p]),
                             .uncoveredInput(profile: 1, input: "speech_lengths"))
        p = profile(b: (1, 2, 4), t: (16, 32, 64))
        p.inputs["speech"]!.min = [1, 16]
        try assertBuildFails(BuilderConfig(profiles: [p]), .rank(profile: 0, input: "speech", expected: 3, found: [1, 16]))
        p = profile(b: (1, 2, 4), t: (16, 32, 64))
        p.setDimensions("nosuch", min: [1], opt: [1], max: [1])
        try assertBuildFails(BuilderConfig(profiles: [p]),
                             .unknownInput(profile: 0, input: "nosuch", inputs: ["speech", "speech_lengths"]))
        p = profile(b: (1, 2, 4), t: (16, 32, 64))
        p.inputs["speech_lengths"] = ShapeRange(min: [1], opt: [3], max: [4])
        XCTAssertThrowsError(try Builder(BuilderConfig(profiles: [p])).build(try wenet())) { error in
            guard case .inconsistentSymbol(0, "B", _)? = error as? BuilderError else { return XCTFail("\(error)") }
        }
    }

    /// A rebuild with the cache the first build filled measures nothing, and
    /// chooses the same tactics; the cache round-trips through its file.
    func testTimingCacheIsReused() throws {
        let graph = try wenet()
        let cache = TimingCache()
        // No fusions: the engine's own multi-tactic layers (batched MatMul, depthwise Conv) stay.
        let config = BuilderConfig(profiles: [profile(b: (1, 2, 3), t: (16, 40, 64))], timingCache: cache, timingIterations: 1,
                                   fusions: [])
        let first = try Builder(config).build(graph)
        XCTAssertGreaterThan(first.measurements, 0, "the tiny WeNet has layers with several tactics")
        XCTAssertGreaterThan(cache.count, 0)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("timing-\(UUID().uuidString).cache")
        defer { try? FileManager.default.removeItem(at: url) }
        try cache.write(to: url)
        var reloaded = config
        reloaded.timingCache = try TimingCache(contentsOf: url)
        let second = try Builder(reloaded).build(graph)
        XCTAssertEqual(second.measurements, 0)
        XCTAssertEqual(second.manifest.layers.map(\.tactics), first.manifest.layers.map(\.tactics))
        // A different opt shape is a different key: it is measured again.
        var other = reloaded
        other.profiles = [profile(b: (1, 3, 3), t: (16, 48, 64))]
        XCTAssertGreaterThan(try Builder(other).build(graph).measurements, 0)
    }

    func testVerboseLogListsTacticsAndReferenceLayers() throws {
        let lines = LogLines()
        let config = BuilderConfig(profiles: [profile(b: (1, 2, 3), t: (16, 40, 64))], timingIterations: 1,
                                   fusions: [], log: { lines.append($0) })
        _ = try Builder(config).build(try wenet())
        let text = lines.all.joined(separator: "\n")
        XCTAssertTrue(text.contains("[MatMul]: gemm."), text)
        XCTAssertTrue(text.contains(" ms"), "timed tactics print their time")
        XCTAssertTrue(text.contains("run through the reference kernels"), text)
        XCTAssertTrue(text.contains("arena"), text)
    }

    /// The arena is smaller than one buffer per activation, and shape subgraphs
    /// never run per inference: Shape/Gather/Concat layers are all shape-stage.
    func testMemoryPlanAndShapeStage() throws {
        let built = try Builder(BuilderConfig(profiles: [profile(b: (1, 2, 4), t: (16, 40, 64))], timingIterations: 1))
            .build(try wenet())
        let p = built.manifest.profiles[0]
        XCTAssertGreaterThan(p.arenaBytes, 0)
        XCTAssertLessThan(p.arenaBytes, p.naiveBytes)
        XCTAssertTrue(built.manifest.values.contains { $0.aliasOf != nil }, "reshapes alias their input")
        let shapeOps: Set<String> = ["Shape", "Gather", "Concat", "Range", "ConstantOfShape"]
        for layer in built.manifest.layers where shapeOps.contains(layer.opType) {
            XCTAssertEqual(layer.stage, "shape", "\(layer.name) should not run per inference")
        }
        // Every arena slot stays inside the arena.
        for (i, offset) in p.offsets.enumerated() where offset >= 0 {
            XCTAssertLessThanOrEqual(offset + p.capacities[i], p.arenaBytes)
        }
    }

    /// The plan records format, versions, profiles and I/O, and its weights are the sections.
    func testPlanIsSelfDescribing() throws {
        let built = try Builder(BuilderConfig(profiles: [profile(b: (1, 2, 4), t: (16, 40, 64)),
                                                         profile(b: (1, 1, 1), t: (7, 8, 15))], timingIterations: 1))
            .build(try wenet())
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("self-\(UUID().uuidString).plan")
        defer { try? FileManager.default.removeItem(at: url) }
        try built.write(to: url)
        let plan = try PlanFile(contentsOf: url)
        XCTAssertEqual(plan.header.writerVersion, PlanFormat.workbenchVersion)
        let manifest = try plan.decodeManifest(EngineManifest.self)
        XCTAssertEqual(manifest.schema, EngineManifest.currentSchema)
        XCTAssertEqual(manifest.profiles.count, 2)
        XCTAssertEqual(manifest.inputs.map(\.name), ["speech", "speech_lengths"])
        XCTAssertEqual(manifest.inputs.map(\.dataType), ["float32", "int32"])
        XCTAssertFalse(manifest.plugins.isEmpty)
        let weights = manifest.values.filter { $0.storage == .weight }
        XCTAssertEqual(Set(weights.compactMap(\.section)), Set(plan.sectionNames))
        XCTAssertEqual(plan.sections.reduce(0) { $0 + $1.byteCount }, built.weightBytes)
    }
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
