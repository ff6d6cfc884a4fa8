import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// Conformer relative-position attention fusion: the WeNet MHSA block becomes
/// one RelPosAttention node; a mask broadcast differently, a shared
/// intermediate or a wrong softmax axis must not fuse.
final class RelPosAttentionFusionTests: XCTestCase {
    struct Variant {
        var condShape: Shape = [2, 1, 1, 5]
        var softmaxAxis = -1
        var exposeScores = false
    }

    /// The WeNet block on x [2, 5, 6] with 2 heads of 3, pos [1, 5, 6] and a bool key mask.
    static func block(_ v: Variant = Variant()) -> Graph {
        var b = TinyGraph()
        let x = b.input("x", [2, 5, 6]), pos = b.input("pos", [1, 5, 6])
        let mask = b.input("mask", [2, 1, 5], .bool)
        let split = b.constant(Tensor([0, 0, 2, 3] as [Int64], shape: [4]), "heads")
        let splitPos = b.constant(Tensor([1, -1, 2, 3] as [Int64], shape: [4]), "headsPos")
        func linear(_ input: String, _ seed: UInt64, bias: Bool = true) -> String {
            let y = b.op("MatMul", [input, b.weight([6, 6], seed: seed)])
            return bias ? b.op("Add", [y, b.weight([6], seed: seed + 50)]) : y
        }
        let q = b.op("Reshape", [linear(x, 1), split])
        let k = b.op("Transpose", [b.op("Reshape", [linear(x, 2), split])], ["perm": .ints([0, 2, 3, 1])])
        let vv = b.op("Transpose", [b.op("Reshape", [linear(x, 3), split])], ["perm": .ints([0, 2, 1, 3])])
        let p = b.op("Transpose", [b.op("Reshape", [linear(pos, 4, bias: false), splitPos])], ["perm": .ints([0, 2, 3, 1])])
        let qu = b.op("Transpose", [b.op("Add", [q, b.weight([2, 3], seed: 5)])], ["perm": .ints([0, 2, 1, 3])])
        let qv = b.op("Transpose", [b.op("Add", [q, b.weight([2, 3], seed: 6)])], ["perm": .ints([0, 2, 1, 3])])
        let sum = b.op("Add", [b.op("MatMul", [qu, k]), b.op("MatMul", [qv, p])])
        let scores = b.op("Div", [sum, b.scalar(Float(3).squareRoot())])
        var cond = b.op("Equal", [b.op("Unsqueeze", [mask, b.constant(Tensor([1] as [Int64], shape: [1]))]),
                                  b.constant(Tensor([false], shape: []))])
        if v.condShape != [2, 1, 1, 5] {
            cond = b.op("Expand", [cond, b.constant(Tensor(v.condShape.staticSizes!.map { Int64($0) }, shape: [4]))])
        }
        let masked = b.op("Where", [cond, b.scalar(-.infinity), scores])
        let probs = b.op("Where", [cond, b.scalar(0), b.op("Softmax", [masked], ["axis": .int(v.softmaxAxis)])])
        let ctx = b.op("Transpose", [b.op("MatMul", [probs, vv])], ["perm": .ints([0, 2, 1, 3])])
        let merged = b.op("Reshape", [ctx, b.constant(Tensor([0, -1, 6] as [Int64], shape: [3]))])
        b.output(linear(merged, 7))
        if v.exposeScores { b.output(scores) }
        return b.graph
    }

    static func feeds() -> [String: Tensor] {
        ["x": TestTensors.uniform([2, 5, 6], seed: 11), "pos": TestTensors.uniform([1, 5, 6], seed: 12),
         "mask": Tensor([true, true, true, true, true, true, true, false, true, false], shape: [2, 1, 5])]
    }

    func testWeNetBlockFuses() throws {
        let g = Self.block()
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("RelPosAttention"), 1)
        XCTAssertEqual(after.nodes.map(\.opType), ["RelPosAttention"])
        let node = try XCTUnwrap(after.nodes.first)
        XCTAssertEqual(node.attributes["num_heads"], .int(2))
        XCTAssertEqual(node.attributes["masked_when"], .string("zero"))
        XCTAssertEqual(node.inputs.last, "mask")
        try PassTest.assertSameOutputs(g, after, Self.feeds())
    }

    func testMaskVaryingOverQueriesDoesNotFuse() throws {
        let g = Self.block(Variant(condShape: [2, 1, 5, 5]))
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("RelPosAttention"), 0)
        XCTAssertEqual(PassTest.count(after, "Softmax"), 1)
        try PassTest.assertSameOutputs(g, after, Self.feeds())
    }

    func testSharedScoresDoNotFuse() throws {
        let g = Self.block(Variant(exposeScores: true))
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("RelPosAttention"), 0)
        try PassTest.assertSameOutputs(g, after, Self.feeds())
    }

    func testSoftmaxOverQueriesDoesNotFuse() throws {
        let (_, report) = try Surgeon.run(Self.block(Variant(softmaxAxis: 2)))
        XCTAssertEqual(report.matches("RelPosAttention"), 0)
    }
}
