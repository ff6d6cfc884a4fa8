import Debugging
import IR
import Plugins
import XCTest
import _TestSupport

/// `plugin test`'s logic on the WeNet fixture's GLU: the built-in plugin
/// passes every shape, the broken one fails exactly where the row length
/// (the inner axis `T'`) is not a multiple of 8.
final class PluginTesterTests: XCTestCase {
    let profile = ShapeProfile(min: [DebugFixtures.gluInput: [1, 64, 8]], opt: [DebugFixtures.gluInput: [2, 64, 16]],
                               max: [DebugFixtures.gluInput: [3, 64, 40]])

    func subgraph() throws -> Graph {
        try SubgraphExtractor.extract(try DebugFixtures.model("wenet-tiny"), nodes: DebugFixtures.gluNodes)
    }

    func testBuiltinGLUPassesEveryShape() throws {
        let tester = try PluginTester(subgraph: try subgraph(), plugin: "GLU", registry: PluginRegistry(registeringBuiltins: true))
        XCTAssertEqual(tester.pluginNodes.count, 1)
        let samples = try profile.samples(for: tester.reference.runtimeInputs, random: 3, seed: 1)
        let report = try tester.test(samples, seed: 0, tolerance: Tolerance(atol: 1e-5, rtol: 1e-4))
        XCTAssertTrue(report.passed, "\(report.failures)")
        XCTAssertEqual(report.cases.count, samples.count)
    }

    func testBrokenGLUFailsAtOddShapesOnly() throws {
        let tester = try PluginTester(subgraph: try subgraph(), plugin: "GLU", registry: DebugFixtures.brokenRegistry())
        let samples = try profile.samples(for: tester.reference.runtimeInputs, random: 3, seed: 1)
        let report = try tester.test(samples, seed: 0, tolerance: Tolerance(atol: 1e-5, rtol: 1e-4))
        XCTAssertFalse(report.passed)
        for c in report.cases {
            let rowLength = c.shapes[DebugFixtures.gluInput]![2]
            XCTAssertEqual(c.passed, rowLength % 8 == 0, "\(c.label) \(c.shapes): \(c.outputs)")
            XCTAssertEqual(c.tactics, ["glu.simd8"])
        }
        let odd = try XCTUnwrap(report.cases.first { $0.label == "odd" })
        XCTAssertFalse(odd.passed)
        // The worst element is in a row's tail: its last axis index is past the 8-lane body.
        let worst = try XCTUnwrap(odd.outputs[0].worst)
        XCTAssertGreaterThanOrEqual(worst[2], odd.shapes[DebugFixtures.gluInput]![2] / 8 * 8)
    }

    /// A plugin whose weight the builder packs (Linear, `[K, N]` → panels) is tested in the packed
    /// layout with the tactics offered for it, as an engine runs it.
    func testLinearRunsOnPackedWeights() throws {
        let g = Graph(name: "linear",
                      nodes: [Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["m"]),
                              Node(name: "add", opType: "Add", inputs: ["m", "b"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x", type: ValueType(.float32, ["B", "T", 24]))],
                      outputs: [ValueInfo(name: "y", type: ValueType(.float32, ["B", "T", 48]))],
                      initializers: ["w": TestTensors.uniform([24, 48], seed: 1), "b": TestTensors.uniform([48], seed: 2)],
                      opsetImports: ["": 17])
        let tester = try PluginTester(subgraph: g, plugin: "Linear", registry: PluginRegistry(registeringBuiltins: true))
        let c = try tester.run(ShapeSample(label: "odd", shapes: ["x": [3, 7, 24]]), seed: 4, tolerance: Tolerance(atol: 1e-5, rtol: 1e-4))
        XCTAssertTrue(c.passed, "\(c.outputs)")
        XCTAssertEqual(c.tactics, ["gemm.packed"])
    }

    func testUserGivenPluginNode() throws {
        let tester = try PluginTester(subgraph: try subgraph(), plugin: "GLU",
                                      placement: .node(attributes: ["axis": .int(1)], inputs: nil),
                                      registry: PluginRegistry(registeringBuiltins: true))
        XCTAssertEqual(tester.fused.nodes.map(\.opType), ["GLU"])
        let c = try tester.run(ShapeSample(label: "odd", shapes: [DebugFixtures.gluInput: [2, 64, 13]]), seed: 3,
                               tolerance: Tolerance())
        XCTAssertTrue(c.passed, "\(c.outputs)")
    }

    func testPluginNotRegisteredOrNotFused() throws {
        let g = try subgraph()
        XCTAssertThrowsError(try PluginTester(subgraph: g, plugin: "NoSuchPlugin")) { error in
            XCTAssertTrue("\(error)".contains("NoSuchPlugin is not registered"), "\(error)")
        }
        XCTAssertThrowsError(try PluginTester(subgraph: g, plugin: "LayerNorm")) { error in
            XCTAssertTrue("\(error)".contains("did not replace the subgraph with plugin LayerNorm"), "\(error)")
        }
    }
}
