import XCTest
import IR
import Reference
import _TestSupport

final class ExecutorTests: XCTestCase {
    /// `y = Relu(x + b)`, `z = y * y`, with x: float32[B, 3] and b an initializer.
    func makeGraph() -> Graph {
        Graph(
            nodes: [
                Node(name: "add", opType: "Add", inputs: ["x", "b"], outputs: ["sum"]),
                Node(name: "relu", opType: "Relu", inputs: ["sum"], outputs: ["y"]),
                Node(name: "square", opType: "Mul", inputs: ["y", "y"], outputs: ["z"]),
            ],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, Shape(["B", 3])))],
            outputs: [ValueInfo(name: "z", type: nil)],
            initializers: ["b": Tensor([1, -1, 0] as [Float], shape: [3])])
    }

    func error(_ body: () throws -> Any) -> ReferenceError? {
        do { _ = try body(); return nil } catch let e as ReferenceError { return e } catch { return nil }
    }

    func testRunsAndAcceptsAnySizeForSymbolicDims() throws {
        let executor = try ReferenceExecutor(graph: makeGraph())
        let out = try executor.run(["x": Tensor([1, 2, -3, 0, 0, 5] as [Float], shape: [2, 3])])
        XCTAssertEqual(Array(out.keys), ["z"])
        XCTAssertEqual(out["z"]?.floats, [4, 1, 0, 1, 0, 25])
        XCTAssertEqual(try executor.run(["x": TestTensors.uniform([5, 3])])["z"]?.shape, [5, 3])
    }

    func testFeedErrorsNameTheTensor() throws {
        let executor = try ReferenceExecutor(graph: makeGraph())
        let x = TestTensors.uniform([2, 3])
        XCTAssertEqual(error { try executor.run([:]) }, .missingInput("x"))
        XCTAssertEqual(error { try executor.run(["x": x, "extra": x]) }, .unexpectedInput("extra", expected: ["x"]))
        XCTAssertEqual(error { try executor.run(["x": Tensor([1, 2, 3] as [Int64], shape: [1, 3])]) },
                       .inputType("x", expected: .float32, found: .int64))
        XCTAssertEqual(error { try executor.run(["x": TestTensors.uniform([6])]) }, .inputRank("x", expected: 2, found: 1))
        XCTAssertEqual(error { try executor.run(["x": TestTensors.uniform([2, 4])]) },
                       .inputShape("x", expected: Shape(["B", 3]), found: [2, 4]))
        XCTAssertEqual(ReferenceError.inputShape("x", expected: Shape(["B", 3]), found: [2, 4]).description,
                       "input 'x' has shape [2, 4], the model expects [B, 3]")
    }

    func testUnsupportedOpsAreListedAllAtOnce() {
        var graph = makeGraph()
        graph.nodes += [
            Node(name: "mystery1", opType: "Frobnicate", inputs: ["z"], outputs: ["p"]),
            Node(name: "mystery2", opType: "Frobnicate", inputs: ["p"], outputs: ["q"]),
            Node(name: "plugin", opType: "Relu", domain: "com.example", inputs: ["q"], outputs: ["r"]),
        ]
        graph.outputs = [ValueInfo(name: "r", type: nil)]
        guard case .unsupportedOps(let groups)? = error({ try ReferenceExecutor(graph: graph) }) else {
            return XCTFail("expected unsupportedOps")
        }
        XCTAssertEqual(groups.map(\.op), ["Frobnicate", "com.example::Relu"])
        XCTAssertEqual(groups.map(\.nodes), [["mystery1", "mystery2"], ["plugin"]])
        let text = ReferenceError.unsupportedOps(groups).description
        XCTAssertTrue(text.contains("Frobnicate (mystery1, mystery2)") && text.contains("plugin"), text)
    }

    func testAttributeOfTheWrongKindIsNamed() throws {
        let graph = Graph(
            nodes: [Node(name: "flip", opType: "Transpose", inputs: ["x"], outputs: ["y"], attributes: ["perm": .float(1)])],
            inputs: [ValueInfo(name: "x", type: nil)], outputs: [ValueInfo(name: "y", type: nil)])
        let executor = try ReferenceExecutor(graph: graph)
        guard case .kernel(let node, let reason)? = error({ try executor.run(["x": TestTensors.uniform([2, 2])]) }) else {
            return XCTFail("expected a kernel error")
        }
        XCTAssertEqual(node, "flip (Transpose)")
        XCTAssertTrue(reason.contains("'perm'") && reason.contains("INTS") && reason.contains("FLOAT"), reason)
    }

    func testKernelErrorsNameTheNode() throws {
        let graph = Graph(
            nodes: [Node(name: "bad_add", opType: "Add", inputs: ["x", "w"], outputs: ["y"])],
            inputs: [ValueInfo(name: "x", type: nil)], outputs: [ValueInfo(name: "y", type: nil)],
            initializers: ["w": TestTensors.uniform([4])])
        let e = error { try ReferenceExecutor(graph: graph).run(["x": TestTensors.uniform([3])]) }
        XCTAssertEqual(e?.description, "node bad_add (Add): input shapes [3] and [4] do not broadcast")
    }

    /// Intermediates are released after their last use (here `y` feeds a later
    /// node twice), yet `keep:` still returns them.
    func testKeepReturnsIntermediates() throws {
        let executor = try ReferenceExecutor(graph: makeGraph())
        let x = Tensor([1, 2, -3] as [Float], shape: [1, 3])
        let plain = try executor.run(["x": x])
        XCTAssertEqual(Set(plain.keys), ["z"])
        let kept = try executor.run(["x": x], keep: ["sum", "y"])
        XCTAssertEqual(Set(kept.keys), ["sum", "y", "z"])
        XCTAssertEqual(kept["sum"]?.floats, [2, 1, -3])
        XCTAssertEqual(kept["y"]?.floats, [2, 1, 0])
        XCTAssertEqual(kept["z"], plain["z"])
    }

    func testGraphOutputThatIsAlsoConsumedIsKept() throws {
        var graph = makeGraph()
        graph.outputs.append(ValueInfo(name: "y", type: nil))
        let out = try ReferenceExecutor(graph: graph).run(["x": Tensor([1, 2, -3] as [Float], shape: [1, 3])])
        XCTAssertEqual(out["y"]?.floats, [2, 1, 0])
        XCTAssertEqual(out["z"]?.floats, [4, 1, 0])
    }
}
