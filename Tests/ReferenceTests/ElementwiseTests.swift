import XCTest
import IR
import Reference
import _TestSupport

/// Runs one-node graphs through ``ReferenceExecutor`` (shared by the
/// elementwise, shape, cast and executor tests).
enum ElemHarness {
    /// Runs `op` on `inputs` (nil: an omitted optional input) and returns
    /// its `outputs` outputs in order.
    static func run(_ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:],
                    opset: Int = 17, outputs: Int = 1) throws -> [Tensor] {
        let names = inputs.enumerated().map { $0.element == nil ? "" : "in\($0.offset)" }
        let outNames = (0..<outputs).map { "out\($0)" }
        let node = Node(name: "node0", opType: op, inputs: names, outputs: outNames, attributes: attributes)
        var feeds: [String: Tensor] = [:]
        for (name, t) in zip(names, inputs) where !name.isEmpty { feeds[name] = t }
        let graph = Graph(nodes: [node], inputs: feeds.keys.sorted().map { ValueInfo(name: $0, type: nil) },
                          outputs: outNames.map { ValueInfo(name: $0, type: nil) }, opsetImports: ["": opset])
        let result = try ReferenceExecutor(graph: graph).run(feeds)
        return outNames.map { result[$0] ?? Tensor.zeros(.float32, shape: [0]) }
    }

    static func run1(_ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:],
                     opset: Int = 17) throws -> Tensor {
        try run(op, inputs, attributes, opset: opset)[0]
    }

    /// The error message `body` throws, or "" when it does not throw.
    static func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "" } catch { return "\(error)" }
    }
}

final class ElementwiseTests: XCTestCase {
    typealias H = ElemHarness

    func testAddBroadcastsRowsScalarsAndBothSides() throws {
        let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        XCTAssertEqual(try H.run1("Add", [x, Tensor([10, 20, 30] as [Float], shape: [3])]).floats, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(try H.run1("Sub", [x, Tensor(scalar: Float(1))]).floats, [0, 1, 2, 3, 4, 5])
        let col = Tensor([1, 2] as [Float], shape: [2, 1]), row = Tensor([10, 20, 30] as [Float], shape: [1, 3])
        let out = try H.run1("Mul", [col, row])
        XCTAssertEqual(out.shape, [2, 3])
        XCTAssertEqual(out.floats, [10, 20, 30, 20, 40, 60])
    }

    /// Every broadcast pattern (equal, scalar, row, column, both sides, odd
    /// tails, empty) against a naive per-element index computation.
    func testBroadcastMatchesNaiveIndexing() throws {
        let pairs: [([Int], [Int])] = [
            ([3, 4, 5], [3, 4, 5]), ([3, 4, 5], []), ([3, 4, 5], [5]), ([3, 4, 5], [4, 1]),
            ([1, 7], [3, 1]), ([2, 1, 3, 1], [5, 1, 4]), ([1, 256, 17], [17]), ([4, 1, 1], [1, 9, 1]),
            ([0, 3], [3]), ([1], [2, 3, 1]),
        ]
        for (k, (sa, sb)) in pairs.enumerated() {
            let a = TestTensors.uniform(sa, seed: UInt64(k)), b = TestTensors.uniform(sb, seed: UInt64(k + 100))
            let out = try H.run1("Sub", [a, b])
            guard let shape = Shapes.broadcast(sa, sb) else { return XCTFail("test shapes must broadcast") }
            XCTAssertEqual(out.shape, shape)
            XCTAssertEqual(out.floats, Self.naiveBroadcast(a, b, shape) { $0 - $1 }, "shapes \(sa) and \(sb)")
        }
    }

    static func naiveBroadcast(_ a: Tensor, _ b: Tensor, _ shape: [Int], _ f: (Float, Float) -> Float) -> [Float] {
        func source(_ t: Tensor, _ index: [Int]) -> Float {
            let offset = shape.count - t.rank
            var flat = 0
            for (d, size) in t.shape.enumerated() { flat = flat * size + (size == 1 ? 0 : index[d + offset]) }
            return t.floats![flat]
        }
        return (0..<Shapes.count(shape)).map { i in
            var rest = i, index = [Int](repeating: 0, count: shape.count)
            for d in stride(from: shape.count - 1, through: 0, by: -1) { index[d] = rest % shape[d]; rest /= shape[d] }
            return f(source(a, index), source(b, index))
        }
    }

    func testIntegerArithmeticTruncatesWrapsAndNeverTraps() throws {
        let a = Tensor([7, -7, 7, -7, 5, Int32.min] as [Int32], shape: [6])
        let b = Tensor([2, 2, -2, -2, 0, -1] as [Int32], shape: [6])
        XCTAssertEqual(try H.run1("Div", [a, b]).int32s, [3, -3, -3, 3, 0, Int32.min])
        XCTAssertEqual(try H.run1("Add", [Tensor([Int32.max], shape: [1]), Tensor([1] as [Int32], shape: [1])]).int32s, [Int32.min])
        XCTAssertEqual(try H.run1("Mod", [a, b]).int32s, [1, 1, -1, -1, 0, 0])
        XCTAssertEqual(try H.run1("Mod", [a, b], ["fmod": .int(1)]).int32s, [1, -1, 1, -1, 0, 0])
    }

    func testFloatModFollowsNumPy() throws {
        let a = Tensor([-4, 7, 5.5, -0.0] as [Float], shape: [4]), b = Tensor([3, -3, 2, 2] as [Float], shape: [4])
        XCTAssertEqual(try H.run1("Mod", [a, b], ["fmod": .int(1)]).floats, [-1, 1, 1.5, -0.0])
        XCTAssertEqual(try H.run1("Mod", [a, b], ["fmod": .int(0)]).floats, [2, -2, 1.5, 0])
    }

    func testPowMixesBaseAndExponentTypes() throws {
        let ints = Tensor([2, 3, -2, 5] as [Int64], shape: [4])
        XCTAssertEqual(try H.run1("Pow", [ints, Tensor([3, 2, 3, -1] as [Int64], shape: [4])]).int64s, [8, 9, -8, 0])
        XCTAssertEqual(try H.run1("Pow", [ints, Tensor(scalar: Float(0.5))]).int64s, [1, 1, 0, 2])
        let floats = Tensor([4, 9, 2] as [Float], shape: [3])
        XCTAssertEqual(try H.run1("Pow", [floats, Tensor([2] as [Int32], shape: [1])]).floats, [16, 81, 4])
        XCTAssertEqual(try H.run1("Pow", [floats, Tensor(scalar: Float(0.5))]).floats!, [2, 3, Float(2).squareRoot()])
    }

    func testComparisonsAndLogicalOpsGiveBool() throws {
        let a = Tensor([1, 5, 3] as [Int64], shape: [3]), b = Tensor(scalar: Int64(3))
        XCTAssertEqual(try H.run1("Less", [a, b]).bools, [true, false, false])
        XCTAssertEqual(try H.run1("GreaterOrEqual", [a, b]).bools, [false, true, true])
        XCTAssertEqual(try H.run1("Equal", [a, b]).bools, [false, false, true])
        let s = Tensor(shape: [2], data: .string(["a", "b"]))
        XCTAssertEqual(try H.run1("Equal", [s, Tensor(shape: [1], data: .string(["b"]))]).bools, [false, true])
        let p = Tensor([true, true, false, false], shape: [4]), q = Tensor([true, false, true, false], shape: [4])
        XCTAssertEqual(try H.run1("And", [p, q]).bools, [true, false, false, false])
        XCTAssertEqual(try H.run1("Or", [p, q]).bools, [true, true, true, false])
        XCTAssertEqual(try H.run1("Xor", [p, q]).bools, [false, true, true, false])
        XCTAssertEqual(try H.run1("Not", [p]).bools, [false, false, true, true])
    }

    func testMinMaxAreVariadicAndBroadcast() throws {
        let a = Tensor([1, 8] as [Float], shape: [2, 1]), b = Tensor([5, 2, 9] as [Float], shape: [3])
        let c = Tensor(scalar: Float(4))
        let out = try H.run1("Max", [a, b, c])
        XCTAssertEqual(out.shape, [2, 3])
        XCTAssertEqual(out.floats, [5, 4, 9, 8, 8, 9])
        XCTAssertEqual(try H.run1("Min", [a]).floats, [1, 8])
        let nan = try H.run1("Min", [Tensor([.nan, 1], shape: [2]), Tensor([0, .nan] as [Float], shape: [2])])
        XCTAssertTrue(nan.floats!.allSatisfy(\.isNaN))
    }

    func testWhereBroadcastsThreeWaysForAnyType() throws {
        let c = Tensor([true, false], shape: [2, 1])
        let x = Tensor(shape: [3], data: .string(["a", "b", "c"])), y = Tensor(shape: [], data: .string(["-"]))
        let out = try H.run1("Where", [c, x, y])
        XCTAssertEqual(out.shape, [2, 3])
        XCTAssertEqual(out.data, .string(["a", "b", "c", "-", "-", "-"]))
    }

    func testClipBoundsFromAttributesOrInputs() throws {
        let x = Tensor([-3, -1, 0, 2, 5] as [Float], shape: [5])
        XCTAssertEqual(try H.run1("Clip", [x], ["min": .float(-1.5), "max": .float(1)], opset: 6).floats, [-1.5, -1, 0, 1, 1])
        XCTAssertEqual(try H.run1("Clip", [x, nil, Tensor(scalar: Float(0))], opset: 13).floats, [-3, -1, 0, 0, 0])
        XCTAssertEqual(try H.run1("Clip", [x, Tensor(scalar: Float(2)), Tensor(scalar: Float(1))]).floats, [1, 1, 1, 1, 1])
        let ints = Tensor([-5, 0, 9] as [Int64], shape: [3])
        XCTAssertEqual(try H.run1("Clip", [ints, Tensor(scalar: Int64(-1)), Tensor(scalar: Int64(4))]).int64s, [-1, 0, 4])
    }

    func testDropoutIsIdentityWithTrueMask() throws {
        let x = TestTensors.uniform([2, 3])
        let outs = try H.run("Dropout", [x, Tensor(scalar: Float(0.3))], outputs: 2)
        XCTAssertEqual(outs[0], x)
        XCTAssertEqual(outs[1].bools, [Bool](repeating: true, count: 6))
        XCTAssertEqual(try H.run1("Dropout", [x], ["ratio": .float(0.2)], opset: 10), x)
        XCTAssertEqual(try H.run1("Dropout", [x, Tensor(scalar: Float(0)), Tensor([true], shape: [])]), x)
        let message = H.message { try H.run1("Dropout", [x, Tensor(scalar: Float(0.5)), Tensor([true], shape: [])]) }
        XCTAssertTrue(message.contains("node0") && message.contains("training_mode"), message)
    }

    func testUnaryFloatOps() throws {
        let x = Tensor([-2, -0.5, 0, 0.5, 3] as [Float], shape: [5])
        XCTAssertEqual(try H.run1("Relu", [x]).floats, [0, 0, 0, 0.5, 3])
        XCTAssertEqual(try H.run1("LeakyRelu", [x], ["alpha": .float(0.5)]).floats, [-1, -0.25, 0, 0.5, 3])
        elemAssertClose(try H.run1("HardSigmoid", [x]).floats!, [0.1, 0.4, 0.5, 0.6, 1], accuracy: 2e-6)
        XCTAssertEqual(try H.run1("Sign", [x]).floats, [-1, -1, 0, 1, 1])
        XCTAssertEqual(try H.run1("Floor", [x]).floats, [-2, -1, 0, 0, 3])
        XCTAssertEqual(try H.run1("Ceil", [x]).floats, [-2, -0.0, 0, 1, 3])
        let extreme = Tensor([-200, 0, 200] as [Float], shape: [3])
        XCTAssertEqual(try H.run1("Sigmoid", [extreme]).floats, [0, 0.5, 1])
        elemAssertClose(try H.run1("Softplus", [extreme]).floats!, [0, 0.6931472, 200], accuracy: 2e-6)
        let gelu = try H.run1("Gelu", [x], opset: 20).floats!
        elemAssertClose(gelu, [-0.04550027, -0.15426877, 0, 0.34573123, 2.9959502], accuracy: 2e-6)
        let geluTanh = try H.run1("Gelu", [x], ["approximate": .string("tanh")], opset: 20).floats!
        elemAssertClose(geluTanh, [-0.04540231, -0.15428599, 0, 0.345714, 2.9963627], accuracy: 2e-6)
    }

    func testIntegerUnaryOpsWrap() throws {
        let x = Tensor(shape: [4], data: .int8([-128, -3, 0, 7]))
        XCTAssertEqual(try H.run1("Abs", [x]).data, .int8([-128, 3, 0, 7]))
        XCTAssertEqual(try H.run1("Neg", [x]).data, .int8([-128, 3, 0, -7]))
        XCTAssertEqual(try H.run1("Relu", [x]).data, .int8([0, 0, 0, 7]))
    }

    func testHalfPrecisionComputesInFloatAndRoundsBack() throws {
        let h = { (v: [Float]) in Tensor(shape: [v.count], data: .float16(v.map(HalfFloat.floatToFloat16))) }
        XCTAssertEqual(try H.run1("Add", [h([1, 2.5]), h([0.5])]), h([1.5, 3]))
        let bf = Tensor(shape: [2], data: .bfloat16([1, -2].map(HalfFloat.floatToBFloat16)))
        XCTAssertEqual(try H.run1("Neg", [bf]).data, .bfloat16([-1, 2].map(HalfFloat.floatToBFloat16)))
    }

    func testErrorsNameTheNode() {
        let f = TestTensors.uniform([2, 3]), i = Tensor([1, 2] as [Int64], shape: [2])
        let cases: [(String, () throws -> Any)] = [
            ("do not broadcast", { try H.run1("Add", [f, TestTensors.uniform([4])]) }),
            ("dtypes differ", { try H.run1("Mul", [f, Tensor(scalar: Int64(1))]) }),
            ("does not support int64", { try H.run1("Sqrt", [i]) }),
            ("needs bool", { try H.run1("And", [f, f]) }),
            ("approximate", { try H.run1("Gelu", [f], ["approximate": .string("fast")], opset: 20) }),
            ("condition must be bool", { try H.run1("Where", [f, f, f]) }),
        ]
        for (expected, body) in cases {
            let message = H.message(body)
            XCTAssertTrue(message.contains("node0") && message.contains(expected), "\(expected): \(message)")
        }
    }
}

func elemAssertClose(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
