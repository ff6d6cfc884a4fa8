import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// Bool legalization: WeNet's padding-mask chain becomes LengthMask with float
/// uses downstream, and no bool value remains; a use it cannot convert leaves
/// the chain as it was.
final class MaskLegalizationTests: XCTestCase {
    /// make_pad_mask on lengths [2] for x [2, T, 4], a masked_fill of x's transpose, and the lengths sum.
    static func chain(exposeMask: Bool = false, notAfterUnsqueeze: Bool = false) -> Graph {
        var b = TinyGraph()
        let x = b.input("x", [2, "T", 4]), lengths = b.input("lengths", [2], .int32)
        let t = b.op("Gather", [b.op("Shape", [x]), b.constant(Tensor(scalar: Int64(1)))], ["axis": .int(0)])
        let range = b.op("Range", [b.constant(Tensor(scalar: Int64(0))), t, b.constant(Tensor(scalar: Int64(1)))])
        let axis0 = b.constant(Tensor([0] as [Int64], shape: [1])), axis1 = b.constant(Tensor([1] as [Int64], shape: [1]))
        let len = b.op("Unsqueeze", [b.op("Cast", [lengths], ["to": .int(7)]), axis1])
        let padded = b.op("GreaterOrEqual", [b.op("Unsqueeze", [range, axis0]), len])
        let mask = notAfterUnsqueeze ? b.op("Not", [b.op("Unsqueeze", [padded, axis1])])   // the TorchScript export's order
                                     : b.op("Unsqueeze", [b.op("Not", [padded]), axis1])
        let xt = b.op("Transpose", [x], ["perm": .ints([0, 2, 1])])
        let filled = b.op("Where", [b.op("Not", [mask]), b.scalar(0), xt])
        let count = b.op("ReduceSum", [b.op("Cast", [b.op("Squeeze", [mask, axis1])], ["to": .int(7)]), axis1], ["keepdims": .int(0)])
        b.output(filled, b.op("Cast", [count], ["to": .int(6)]))
        if exposeMask { b.output(mask) }
        return b.graph
    }

    static let feeds = ["x": TestTensors.uniform([2, 5, 4], seed: 3), "lengths": Tensor([5, 3] as [Int32], shape: [2])]

    static func boolValues(_ g: Graph) throws -> [String] {
        let (typed, _) = try ShapeInference.inferWithValues(g)
        var types = typed.valueInfo.compactMap { k, v in v.type.map { (k, $0) } }
        types += (typed.inputs + typed.outputs).compactMap { v in v.type.map { (v.name, $0) } }
        return types.filter { $0.1.dataType == .bool }.map(\.0).sorted()
    }

    func testPadMaskBecomesLengthMaskAndNoBoolRemains() throws {
        for notAfterUnsqueeze in [false, true] {
            try checkLegalized(Self.chain(notAfterUnsqueeze: notAfterUnsqueeze))
        }
    }

    private func checkLegalized(_ g: Graph) throws {
        XCTAssertFalse(try Self.boolValues(g).isEmpty)
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("LengthMask"), 1)
        XCTAssertEqual(PassTest.count(after, "LengthMask", domain: workbenchDomain), 1)
        XCTAssertEqual(PassTest.count(after, "Where") + PassTest.count(after, "Not") + PassTest.count(after, "Range"), 0)
        XCTAssertEqual(try Self.boolValues(after), [])
        try PassTest.assertSameOutputs(g, after, Self.feeds)
    }

    func testMaskThatIsAGraphOutputStaysBool() throws {
        let g = Self.chain(exposeMask: true)
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("LengthMask"), 0)
        XCTAssertEqual(PassTest.count(after, "Where"), 1)
        try PassTest.assertSameOutputs(g, after, Self.feeds)
    }
}
