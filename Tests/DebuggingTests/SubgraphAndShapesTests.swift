import Debugging
import IR
import XCTest

final class SubgraphAndShapesTests: XCTestCase {
    func testExtractionFindsBoundaryValues() throws {
        let sub = try SubgraphExtractor.extract(try DebugFixtures.model("wenet-tiny"), nodes: DebugFixtures.gluNodes.reversed())
        XCTAssertEqual(sub.nodes.map(\.name), DebugFixtures.gluNodes)
        XCTAssertEqual(sub.runtimeInputs.map(\.name), [DebugFixtures.gluInput])
        XCTAssertEqual(sub.outputs.map(\.name), ["onnx::Conv_409"])
        XCTAssertEqual(sub.runtimeInputs[0].type?.shape?.rank, 3)
    }

    func testExtractionErrorsNameTheNode() throws {
        let g = try DebugFixtures.model("wenet-tiny")
        XCTAssertThrowsError(try SubgraphExtractor.extract(g, nodes: ["Split_197", "Sigmoid_19"])) { error in
            XCTAssertEqual("\(error)", "no node named 'Sigmoid_19' in the model (similar: Sigmoid_198, Sigmoid_202, Sigmoid_223)")
        }
        XCTAssertThrowsError(try SubgraphExtractor.extract(g, nodes: ["Split_197", "Split_197"])) { error in
            XCTAssertTrue("\(error)".contains("named twice"), "\(error)")
        }
    }

    func testSamplesIncludeOddSizesAndShareSymbols() throws {
        let inputs = [ValueInfo(name: "x", type: ValueType(.float32, Shape(["B", "T", 20] as [Dim]))),
                      ValueInfo(name: "len", type: ValueType(.int32, Shape(["B"] as [Dim])))]
        let p = ShapeProfile(min: ["x": [1, 8, 20], "len": [1]], opt: ["x": [2, 16, 20], "len": [2]],
                             max: ["x": [4, 64, 20], "len": [4]])
        let samples = try p.samples(for: inputs, random: 4, seed: 7)
        XCTAssertEqual(Array(samples.prefix(3).map(\.label)), ["min", "opt", "max"])
        let odd = try XCTUnwrap(samples.first { $0.label == "odd" })
        XCTAssertEqual(odd.shapes["x"]![1] % 2, 1)
        for s in samples {
            XCTAssertEqual(s.shapes["x"]![0], s.shapes["len"]![0], "B is one value per draw")
            XCTAssertEqual(s.shapes["x"]![2], 20)
            XCTAssertNoThrow(try p.check(s.shapes))
        }
        XCTAssertThrowsError(try p.check(["x": [2, 65, 20]])) { error in
            XCTAssertEqual("\(error)", "shape of input 'x': dim 1 is 65, outside the profile's range 8...64")
        }
        let bad = ShapeProfile(min: ["x": [1, 8, 20], "len": [1]], opt: ["x": [2, 4, 20], "len": [2]], max: p.max)
        XCTAssertThrowsError(try bad.validate(for: inputs))
    }

    func testErrorStatsFollowAllclose() throws {
        let ref = Tensor([1, 2, 0, 4] as [Float], shape: [4])
        let out = Tensor([1, 2.001, 0.5, .nan] as [Float], shape: [4])
        let s = try ErrorStats.compare(out, ref, name: "y", tolerance: Tolerance(atol: 1e-4, rtol: 1e-3))
        XCTAssertEqual(s.violations, 2)  // 0.5 vs 0 and the NaN; 2.001 is within rtol
        XCTAssertEqual(s.nanMismatches, 1)
        XCTAssertEqual(s.worstIndex, 3)
        XCTAssertEqual(s.maxAbs, 0.5, accuracy: 1e-6)
        XCTAssertThrowsError(try ErrorStats.compare(out, Tensor([1, 2, 3] as [Float], shape: [3]), name: "y", tolerance: Tolerance()))
    }
}
