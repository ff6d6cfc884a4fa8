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

final class TacticSelectionTests: XCTestCase {
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
        return BuilderConfig(profiles: [p], threads: 2, timingCache: cache, timingIterations: 3, log: log)
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
