import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// Conv2dSubsampling fusion: WeNet's Conv → Relu → Conv → Relu → Transpose →
/// Reshape front end becomes one plugin node; variants it cannot compute do not.
final class SubsamplingFusionTests: XCTestCase {
    struct Variant {
        var stride = 2
        var pads = [0, 0, 0, 0]
        var unsqueeze = true
        var reluShared = false
        var target: [Int64] = [0, 0, 4 * 4]
    }

    /// x [2, 17, 19] (or [2, 1, 17, 19]) through the front end with C = 4 (F'' = 4).
    static func frontEnd(_ v: Variant = Variant()) -> Graph {
        var b = TinyGraph()
        let conv: [String: Attribute] = ["kernel_shape": .ints([3, 3]), "strides": .ints([v.stride, v.stride]), "pads": .ints(v.pads)]
        var x = b.input("x", v.unsqueeze ? [2, 17, 19] : [2, 1, 17, 19])
        if v.unsqueeze { x = b.op("Unsqueeze", [x, b.constant(Tensor([1] as [Int64], shape: [1]), "axes")]) }
        let r1 = b.op("Relu", [b.op("Conv", [x, b.weight([4, 1, 3, 3], seed: 1), b.weight([4], seed: 2)], conv)])
        let w2 = b.constant(TestTensors.uniform([4, 4, 3, 3], in: -0.3...0.3, seed: 3), "w2")
        let r2 = b.op("Relu", [b.op("Conv", [r1, w2, b.weight([4], seed: 4)], conv)])
        let t = b.op("Transpose", [r2], ["perm": .ints([0, 2, 1, 3])])
        let y = b.op("Reshape", [t, b.constant(Tensor(v.target, shape: [3]), "shape")])
        b.output(y)
        if v.reluShared { b.output(r1) }
        return b.graph
    }

    func testFrontEndFuses() throws {
        for v in [Variant(), Variant(unsqueeze: false), Variant(target: [2, -1, 16]), Variant(target: [0, 0, -1])] {
            let g = Self.frontEnd(v)
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("Conv2dSubsampling"), 1, "\(v)")
            XCTAssertEqual(after.nodes.map(\.opType), ["Conv2dSubsampling"], "\(v)")
            XCTAssertEqual(after.nodes[0].inputs[0], "x", "the Unsqueeze is absorbed or absent")
            try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
        }
    }

    func testOtherConvolutionsDoNotFuse() throws {
        let variants = [Variant(stride: 1, target: [0, 0, -1]), Variant(pads: [1, 1, 1, 1], target: [0, 0, -1]),
                        Variant(reluShared: true), Variant(target: [0, 16, -1]), Variant(target: [0, -1, 8])]
        for v in variants {
            let g = Self.frontEnd(v)
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("Conv2dSubsampling"), 0, "\(v)")
            XCTAssertEqual(PassTest.count(after, "Conv"), 2, "\(v)")
            try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
        }
    }

    func testWeNetTinyFrontEndFuses() throws {
        let g = try PassTest.load("generated/wenet-tiny.onnx")
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("Conv2dSubsampling"), 1)
        XCTAssertEqual(PassTest.count(after, "Conv"), 0)
        XCTAssertEqual(PassTest.count(after, "Conv2dSubsampling", domain: workbenchDomain), 1)
        let node = try XCTUnwrap(after.nodes.first { $0.opType == "Conv2dSubsampling" })
        XCTAssertTrue(after.nodes.contains { $0.opType == "Linear" && $0.inputs.first == node.outputs[0] },
                      "the Linear after the front end still fuses and reads the plugin's output")
        let feeds: [String: Tensor] = ["speech": TestTensors.uniform([2, 37, 80], seed: 3),
                                       "speech_lengths": Tensor([37, 32] as [Int32], shape: [2])]
        try PassTest.assertSameOutputs(g, after, feeds, rtol: 1e-4, atol: 1e-4)
    }
}
