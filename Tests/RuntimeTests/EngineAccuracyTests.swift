import Builder
import Foundation
import IR
import Reference
import Runtime
import XCTest

/// The engine against the reference executor within 1e-4, on the committed
/// fixtures, at each profile's min, opt and max shapes and in between.
final class EngineAccuracyTests: XCTestCase {
    /// Builds `path` with the given profiles and compares at every listed binding, in each profile.
    private func check(_ path: String, profiles: [[String: (Int, Int, Int)]], points: [[[String: Int]]],
                       fusions: Set<String>? = nil) throws {
        let graph = try Fixtures.graph(path)
        let built = try Builder(Fixtures.config(profiles.map { Fixtures.profile(graph, $0) }, fusions: fusions)).build(graph)
        let engine = built.makeEngine()
        let reference = try ReferenceExecutor(graph: graph)
        for (p, bindings) in points.enumerated() {
            let context = try engine.makeContext(profile: p)
            for symbols in bindings {
                let feeds = try Fixtures.inputs(graph, symbols)
                assertClose(try context.run(feeds), try reference.run(feeds), "\(path) profile \(p) at \(symbols)")
            }
        }
    }

    func testWeNetTinyAtMinOptMaxAndBetween() throws {
        try check("generated/wenet-tiny.onnx",
                  profiles: [["B": (1, 2, 4), "T": (16, 40, 64)], ["B": (1, 1, 2), "T": (8, 10, 16)]],
                  points: [[["B": 1, "T": 16], ["B": 2, "T": 40], ["B": 4, "T": 64], ["B": 3, "T": 29]],
                           [["B": 1, "T": 8], ["B": 1, "T": 10], ["B": 2, "T": 16], ["B": 2, "T": 11]]])
    }

    /// Without fusions every standard op runs on the engine's own layers.
    func testWeNetTinyUnfusedOnEngineLayers() throws {
        try check("generated/wenet-tiny.onnx", profiles: [["B": (1, 2, 3), "T": (16, 33, 50)]],
                  points: [[["B": 1, "T": 16], ["B": 2, "T": 33], ["B": 3, "T": 50]]], fusions: [])
    }

    func testBertTinyAtMinOptMaxAndBetween() throws {
        try check("generated/bert-tiny.onnx", profiles: [["B": (1, 2, 3), "S": (4, 13, 20)]],
                  points: [[["B": 1, "S": 4], ["B": 2, "S": 13], ["B": 3, "S": 20], ["B": 2, "S": 7]]])
    }

    func testTorchBertExportsAtMinOptMax() throws {
        for path in ["torch/bert_ts14.onnx", "torch/bert_dynamo18.onnx"] {
            try check(path, profiles: [["batch": (1, 2, 3), "sequence": (4, 12, 20)]],
                      points: [[["batch": 1, "sequence": 4], ["batch": 2, "sequence": 12], ["batch": 3, "sequence": 20]]])
        }
    }
}
