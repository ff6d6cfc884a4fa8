import Builder
import Debugging
import IR
import Passes
import Plugins
import Runtime
import XCTest

/// `compare --mark-all`'s logic: an engine built with the broken GLU is
/// caught at the first conv module's GLU layer; the good engine passes.
final class EngineComparisonTests: XCTestCase {
    func engine(_ graph: Graph, registry: PluginRegistry) throws -> Engine {
        var profile = OptimizationProfile()
        profile.setDimensions("speech", min: [1, 16, 80], opt: [3, 45, 80], max: [4, 64, 80])
        profile.setDimensions("speech_lengths", min: [1], opt: [3], max: [4])
        // The conv module stays in [B, C, T] with its own GLU layer: the layer these tests break.
        let fusions = Set(Surgeon.fusionNames).subtracting(["TimeMajorConv"])
        return try Builder(BuilderConfig(profiles: [profile], timingIterations: 1, fusions: fusions), registry: registry)
            .build(graph).makeEngine()
    }

    func feeds() throws -> [String: Tensor] {
        let a = try DebugFixtures.archive("wenet-tiny")
        return ["speech": try XCTUnwrap(a["speech"]), "speech_lengths": try XCTUnwrap(a["speech_lengths"])]
    }

    func testMarkAllNamesTheBrokenLayer() throws {
        let graph = try DebugFixtures.model("wenet-tiny")
        let registry = DebugFixtures.brokenRegistry()
        let report = try EngineComparison.run(graph: graph, engine: try engine(graph, registry: registry), feeds: try feeds(),
                                              tolerance: Tolerance(), markAll: true, registry: registry)
        XCTAssertFalse(report.passed)
        let first = try XCTUnwrap(report.firstFailure)
        // T = 45 frames subsample to T' = 10: not a multiple of 8, so the first GLU is wrong.
        XCTAssertEqual(first.layer, "Mul_199_GLU")
        XCTAssertEqual(first.plugin, "GLU@1")
        XCTAssertEqual(first.tactic, "glu.simd8")
        XCTAssertEqual(first.name, "onnx::Conv_409")
        // Every marked value before it passed.
        let index = try XCTUnwrap(report.layers.firstIndex { $0.name == first.name })
        XCTAssertTrue(report.layers[..<index].allSatisfy { $0.status != .fail })
        XCTAssertGreaterThan(index, 10)
        XCTAssertTrue(report.outputs.contains { $0.status == .fail })
    }

    func testGoodEnginePassesLayerByLayer() throws {
        let graph = try DebugFixtures.model("wenet-tiny")
        let registry = PluginRegistry(registeringBuiltins: true)
        let report = try EngineComparison.run(graph: graph, engine: try engine(graph, registry: registry), feeds: try feeds(),
                                              tolerance: Tolerance(), markAll: true, registry: registry)
        XCTAssertTrue(report.passed, "\(String(describing: report.firstFailure))")
        XCTAssertNil(report.firstFailure)
        XCTAssertEqual(report.outputs.map(\.name), ["encoder_out", "encoder_out_lens"])
        XCTAssertTrue(report.layers.contains { $0.layer == "Mul_199_GLU" && $0.status == .pass })
    }
}
