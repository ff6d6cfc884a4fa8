import XCTest
@testable import IR

/// Graph-level inference, and value propagation through the shape computations exporters write.
final class ValuePropagationTests: XCTestCase {
    private func constant(_ name: String, _ values: [Int64], scalar: Bool = false) -> Node {
        Node(name: name, opType: "Constant", inputs: [], outputs: [name],
             attributes: ["value": .tensor(Tensor(values, shape: scalar ? [] : [values.count]))])
    }

    private func node(_ op: String, _ inputs: [String], _ output: String, _ attrs: [String: Attribute] = [:]) -> Node {
        Node(name: output, opType: op, inputs: inputs, outputs: [output], attributes: attrs)
    }

    /// `x [B, T, 256]` and `Shape → Gather(0), Gather(1) → Unsqueeze`, as PyTorch's legacy exporter writes.
    private func shapeNodes(opset: Int) -> [Node] {
        let unsqueeze: (String, String) -> Node = { input, output in
            opset >= 13 ? self.node("Unsqueeze", [input, "zero_axis"], output)
                        : self.node("Unsqueeze", [input], output, ["axes": .ints([0])])
        }
        return [
            node("Shape", ["x"], "s"),
            constant("i0", [0], scalar: true), constant("i1", [1], scalar: true), constant("zero_axis", [0]),
            node("Gather", ["s", "i0"], "b", ["axis": .int(0)]),
            node("Gather", ["s", "i1"], "t", ["axis": .int(0)]),
            unsqueeze("b", "ub"), unsqueeze("t", "ut"),
        ]
    }

    private func graph(_ nodes: [Node], output: String, opset: Int = 13) -> Graph {
        Graph(nodes: nodes, inputs: [ValueInfo(name: "x", type: f32("B", "T", 256))],
              outputs: [ValueInfo(name: output, type: nil)], opsetImports: ["": opset])
    }

    func testShapeGatherConcatReshapeKeepsSymbols() throws {
        for opset in [11, 13, 17] {
            let nodes = shapeNodes(opset: opset) + [
                constant("four", [4]), constant("sixtyfour", [64]),
                node("Concat", ["ub", "ut", "four", "sixtyfour"], "target", ["axis": .int(0)]),
                node("Reshape", ["x", "target"], "y"),
            ]
            let (g, values) = try ShapeInference.inferWithValues(graph(nodes, output: "y", opset: opset))
            XCTAssertEqual(values["s"], ["B", "T", 256])
            XCTAssertEqual(values["b"], ["B"])
            XCTAssertEqual(g.valueInfo["b"]?.type, i64())
            XCTAssertEqual(values["target"], ["B", "T", 4, 64])
            XCTAssertEqual(g.valueInfo["y"]?.type, f32("B", "T", 4, 64), "opset \(opset)")
            XCTAssertEqual(g.outputs[0].type, f32("B", "T", 4, 64))
        }
    }

    func testReshapeMinusOneAndZeroWithSymbols() throws {
        let nodes = shapeNodes(opset: 13) + [
            constant("m1", [-1]), constant("sixtyfour", [64]),
            node("Concat", ["ub", "m1", "sixtyfour"], "target", ["axis": .int(0)]),
            node("Reshape", ["x", "target"], "y"),
            constant("zeros", [0, 0, -1, 64]),
            node("Reshape", ["x", "zeros"], "z"),
        ]
        let g = try ShapeInference.infer(graph(nodes, output: "y"))
        XCTAssertEqual(g.valueInfo["y"]?.type, f32("B", "4*T", 64))
        XCTAssertEqual(g.valueInfo["z"]?.type, f32("B", "T", 4, 64))
    }

    func testExpandThroughEqualWhereAndConstantOfShape() throws {
        // PyTorch's expand(B, T, -1): Where(Equal(shape, -1), ones, shape).
        let nodes = shapeNodes(opset: 13) + [
            constant("m1", [-1]),
            node("Concat", ["ub", "ut", "m1"], "shape", ["axis": .int(0)]),
            constant("three", [3]),
            node("ConstantOfShape", ["three"], "ones", ["value": .tensor(Tensor([Int64(1)], shape: [1]))]),
            node("Equal", ["shape", "m1"], "isneg"),
            node("Where", ["isneg", "ones", "shape"], "target"),
            constant("row", [1, 1, 256]),
            node("ConstantOfShape", ["row"], "bias"),
            node("Expand", ["bias", "target"], "y"),
        ]
        let (g, values) = try ShapeInference.inferWithValues(graph(nodes, output: "y"))
        XCTAssertEqual(values["isneg"], [0, 0, 1])
        XCTAssertEqual(values["target"], ["B", "T", 1])
        XCTAssertEqual(g.valueInfo["bias"]?.type, f32(1, 1, 256))
        XCTAssertEqual(g.valueInfo["y"]?.type, f32("B", "T", 256))
    }

    func testRangeConstantOfShapeSliceAndArithmetic() throws {
        let nodes = shapeNodes(opset: 13) + [
            constant("zero", [0], scalar: true), constant("one", [1], scalar: true),
            node("Range", ["zero", "t", "one"], "positions"),
            node("Concat", ["ub", "ut"], "bt", ["axis": .int(0)]),
            node("ConstantOfShape", ["bt"], "mask", ["value": .tensor(Tensor([true], shape: [1]))]),
            constant("st", [1]), constant("en", [3]),
            node("Slice", ["s", "st", "en"], "tail"),
            constant("two", [2], scalar: true),
            node("Div", ["t", "two"], "half"),
            node("Mul", ["t", "b"], "bt_product"),
            node("Size", ["x"], "count"),
        ]
        let (g, values) = try ShapeInference.inferWithValues(graph(nodes, output: "mask"))
        XCTAssertEqual(g.valueInfo["positions"]?.type, i64("T"))
        XCTAssertEqual(g.valueInfo["mask"]?.type, ValueType(.bool, ["B", "T"]))
        XCTAssertEqual(values["tail"], ["T", 256])
        XCTAssertEqual(values["half"], ["T/2"])
        XCTAssertEqual(values["bt_product"], ["B*T"])
        XCTAssertEqual(values["count"], ["256*B*T"])
    }

    func testShapeStartEndFeedsValues() throws {
        let nodes = [node("Shape", ["x"], "s", ["start": .int(-2)])]
        let (_, values) = try ShapeInference.inferWithValues(graph(nodes, output: "s", opset: 15))
        XCTAssertEqual(values["s"], ["T", 256])
    }

    func testCustomDomainGivesNilTypeNotError() throws {
        let custom = Node(name: "plugin", opType: "LayerNormPlugin", domain: "trt", inputs: ["x"], outputs: ["p"])
        let nodes = [custom, node("Relu", ["p"], "y"), node("Relu", ["x"], "z")]
        let g = try ShapeInference.infer(graph(nodes, output: "y"))
        XCTAssertNotNil(g.valueInfo["p"])
        XCTAssertNil(g.valueInfo["p"]?.type)
        XCTAssertNil(g.valueInfo["y"]?.type)
        XCTAssertEqual(g.valueInfo["z"]?.type, f32("B", "T", 256))
        // A type already declared for a custom op's output is kept and flows on.
        var declared = graph(nodes, output: "y")
        declared.valueInfo["p"] = ValueInfo(name: "p", type: f32("B", "T", 256))
        XCTAssertEqual(try ShapeInference.infer(declared).valueInfo["y"]?.type, f32("B", "T", 256))
    }

    func testInferencePropagatesNodeErrorsAndCycles() {
        let bad = graph([constant("w", [1, 2, 3]), node("MatMul", ["x", "w"], "y")], output: "y")
        XCTAssertThrowsError(try ShapeInference.infer(bad)) { error in
            XCTAssertEqual(error as? IRError, .shapeInference(node: "y (MatMul)", reason: "inner dims differ: [B, T, 256] × [3]"))
        }
        let cyclic = graph([node("Relu", ["y"], "z"), node("Relu", ["z"], "y")], output: "y")
        XCTAssertThrowsError(try ShapeInference.infer(cyclic)) { XCTAssertTrue($0 is IRError) }
    }

    func testInitializersAreConstants() throws {
        var g = graph([node("Reshape", ["x", "target"], "y")], output: "y")
        g.initializers["target"] = Tensor([Int64(0), -1], shape: [2])
        XCTAssertEqual(try ShapeInference.infer(g).valueInfo["y"]?.type, f32("B", "256*T"))
    }
}
