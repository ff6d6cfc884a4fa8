// The builder's tactic choice is made by timing: a test plugin with a slow
// and a fast tactic (the slow one sleeps) must get the fast one whatever the
// candidate order, and a rebuild from the timing cache must choose the same
// without measuring; --verbose lists every candidate with its time.

import Builder
import Foundation
import IR
import Kernels
import Plugins
import Runtime
import XCTest

/// Copies X to Y; tactic `copy.slow` sleeps 20 ms first. Attribute `slowFirst` orders the candidates.
final class SlowOrFastPlugin: Plugin {
    static let name = "SlowOrFast"
    static let version = 1
    static let domain = "test.tactics"
    let slowFirst: Bool

    init(attributes: [String: Attribute]) throws {
        if case .int(let v)? = attributes["slowFirst"] { slowFirst = v != 0 } else { slowFirst = true }
    }

    var attributes: [String: Attribute] { ["slowFirst": .int(slowFirst ? 1 : 0)] }

    func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        guard let x = inputs.first ?? nil else {
            throw PluginError.invalidInputs(plugin: Self.qualifiedName, reason: "X is missing")
        }
        return [x]
    }

    func tactics(inputShapes: [[Int]]) -> [String] { slowFirst ? ["copy.slow", "copy.fast"] : ["copy.fast", "copy.slow"] }

    func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.qualifiedName), y = call.outputs[0]
        if call.tactic == "copy.slow" { Thread.sleep(forTimeInterval: 0.02) }
        if x.data != y.data { y.floats.update(from: x.floats, count: x.count) }
    }
}

/// Copies X to Y; `rows.few` sleeps 20 ms when X has more than 2 rows, `rows.many` when it has at most 2.
final class SizeDependentPlugin: Plugin {
    static let name = "SizeDependent"
    static let version = 1
    static let domain = "test.tactics"

    init(attributes: [String: Attribute]) throws {}

    var attributes: [String: Attribute] { [:] }

    func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        guard let x = inputs.first ?? nil else {
            throw PluginError.invalidInputs(plugin: Self.qualifiedName, reason: "X is missing")
        }
        return [x]
    }

    func tactics(inputShapes: [[Int]]) -> [String] { ["rows.few", "rows.many"] }

    func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.qualifiedName), y = call.outputs[0]
        let many = x.shape[0] > 2
        if (call.tactic == "rows.few") == many { Thread.sleep(forTimeInterval: 0.02) }
        if x.data != y.data { y.floats.update(from: x.floats, count: x.count) }
    }
}

final class TacticSelectionTests: XCTestCase {
    /// With `tacticShapes = .minOptMax` a layer whose fastest tactic changes
    /// across the profile gets one tactic per size range; contexts pick the
    /// range's tactic at the shapes set, and the plan keeps the ranges.
    func testTacticsPerSizeRangeAcrossTheProfile() throws {
        let registry = PluginRegistry(registeringBuiltins: true)
        registry.register(SizeDependentPlugin.self)
        let g = Graph(name: "sizes",
                      nodes: [Node(name: "pick", opType: "SizeDependent", domain: "test.tactics", inputs: ["x"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x", type: ValueType(.float32, ["B", 8]))],
                      outputs: [ValueInfo(name: "y", type: ValueType(.float32, ["B", 8]))],
                      opsetImports: ["": 17, "test.tactics": 1])
        var p = OptimizationProfile()
        p.setDimensions("x", min: [1, 8], opt: [2, 8], max: [4, 8])
        var config = BuilderConfig(profiles: [p], threads: 1, timingIterations: 3)
        let built = try Builder(config, registry: registry).build(g)
        let layer = try XCTUnwrap(built.manifest.layers.first { $0.plugin == "SizeDependent" })
        XCTAssertEqual(layer.tactics[0], "rows.few", "opt has 2 rows")
        let buckets = try XCTUnwrap(layer.tacticBuckets?.first)
        XCTAssertEqual(buckets.map(\.tactic), ["rows.few", "rows.many"])
        XCTAssertEqual(buckets.map(\.upTo), [22, Int.max], "between 16 (opt) and 32 (max) elements: √(16·32)")
        XCTAssertEqual(built.measurements, 6, "two candidates at each of min, opt and max")

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("buckets-\(UUID().uuidString).plan")
        defer { try? FileManager.default.removeItem(at: url) }
        try built.write(to: url)
        let engine = try Engine(contentsOf: url, registry: registry)
        XCTAssertEqual(engine.manifest.layers.first { $0.plugin == "SizeDependent" }?.tacticBuckets?.first, buckets)
        let context = try engine.makeContext()
        let index = try XCTUnwrap(engine.manifest.layers.firstIndex { $0.plugin == "SizeDependent" })
        for (rows, want) in [(1, "rows.few"), (2, "rows.few"), (3, "rows.many"), (4, "rows.many")] {
            try context.setInputShapes(["x": [rows, 8]])
            XCTAssertEqual(context.tactic(ofLayer: index), want, "\(rows) rows")
        }

        config.tacticShapes = .opt
        let optOnly = try Builder(config, registry: registry).build(g)
        XCTAssertNil(optOnly.manifest.layers.first { $0.plugin == "SizeDependent" }?.tacticBuckets)
    }

    private func graph(slowFirst: Bool) -> Graph {
        Graph(name: "tactics",
              nodes: [Node(name: "pick", opType: "SlowOrFast", domain: "test.tactics", inputs: ["x"], outputs: ["y"],
                           attributes: ["slowFirst": .int(slowFirst ? 1 : 0)])],
              inputs: [ValueInfo(name: "x", type: ValueType(.float32, ["B", 8]))],
              outputs: [ValueInfo(name: "y", type: ValueType(.float32, ["B", 8]))],
              opsetImports: ["": 17, "test.tactics": 1])
    }

    private func config(_ cache: TimingCache, log: (@Sendable (String) -> Void)? = nil) -> BuilderConfig {
        var p = OptimizationProfile()
        p.setDimensions("x", min: [1, 8], opt: [2, 8], max: [4, 8])
        var c = BuilderConfig(profiles: [p], threads: 2, timingCache: cache, timingIterations: 3, log: log)
        c.tacticShapes = .opt
        return c
    }

    private func chosen(_ built: BuiltEngine) throws -> String {
        try XCTUnwrap(built.manifest.layers.first { $0.plugin == "SlowOrFast" }).tactics[0]
    }

    func testFasterTacticWinsWhateverTheOrderAndTheCacheReplaysIt() throws {
        let registry = PluginRegistry(registeringBuiltins: true)
        registry.register(SlowOrFastPlugin.self)
        for slowFirst in [true, false] {
            let cache = TimingCache()
            let lines = LogLines()
            let first = try Builder(config(cache, log: { lines.append($0) }), registry: registry).build(graph(slowFirst: slowFirst))
            XCTAssertEqual(try chosen(first), "copy.fast", "slowFirst=\(slowFirst)")
            XCTAssertEqual(first.measurements, 2)
            let line = try XCTUnwrap(lines.all.first { $0.contains("layer pick") }, lines.all.joined(separator: "\n"))
            XCTAssertTrue(line.contains("copy.slow: ") && line.contains("copy.fast: "), line)
            XCTAssertTrue(line.contains(": copy.fast"), line)
            XCTAssertTrue(cache.keys.allSatisfy { $0.contains("|t2|") }, "keys carry the thread count: \(cache.keys)")

            let replayLines = LogLines()
            let second = try Builder(config(cache, log: { replayLines.append($0) }), registry: registry)
                .build(graph(slowFirst: slowFirst))
            XCTAssertEqual(second.measurements, 0, "every timing comes from the cache")
            XCTAssertEqual(try chosen(second), "copy.fast")
            let replay = try XCTUnwrap(replayLines.all.first { $0.contains("layer pick") })
            XCTAssertTrue(replay.contains("(cache hit)"), replay)
        }
    }
}
