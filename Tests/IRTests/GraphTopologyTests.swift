import XCTest
@testable import IR

final class GraphTopologyTests: XCTestCase {
    private func relu(_ input: String, _ output: String) -> Node {
        Node(name: output, opType: "Relu", inputs: [input], outputs: [output])
    }

    private func graph(_ nodes: [Node], outputs: [String] = []) -> Graph {
        Graph(nodes: nodes, inputs: [ValueInfo(name: "x", type: f32(2))],
              outputs: outputs.map { ValueInfo(name: $0, type: nil) })
    }

    func testTopologicalOrderPutsProducersFirst() throws {
        // c needs b, b needs a: listed backwards.
        let g = graph([relu("b", "c"), relu("a", "b"), relu("x", "a")])
        XCTAssertEqual(try g.topologicalOrder(), [2, 1, 0])
        XCTAssertEqual(try g.sortedTopologically().nodes.map(\.name), ["a", "b", "c"])
    }

    func testTopologicalOrderIsStableForIndependentNodes() throws {
        let g = graph([relu("x", "p"), relu("x", "q"), relu("x", "r"),
                       Node(name: "s", opType: "Add", inputs: ["r", "p"], outputs: ["s"])])
        XCTAssertEqual(try g.topologicalOrder(), [0, 1, 2, 3])
        // A node using one input twice counts it once.
        let twice = graph([Node(name: "m", opType: "Mul", inputs: ["a", "a"], outputs: ["m"]), relu("x", "a")])
        XCTAssertEqual(try twice.topologicalOrder(), [1, 0])
    }

    func testCycleIsDetectedWithTheNodesOnIt() {
        let g = graph([relu("x", "a"), relu("c", "b"), relu("b", "c")])
        XCTAssertThrowsError(try g.topologicalOrder()) { error in
            XCTAssertEqual(error as? IRError, .cycle(nodes: ["b (Relu)", "c (Relu)"]))
        }
        XCTAssertThrowsError(try g.validate())
    }

    func testValidateReportsDanglingDuplicateAndMissingOutput() {
        XCTAssertNoThrow(try graph([relu("x", "a")], outputs: ["a"]).validate())
        XCTAssertThrowsError(try graph([relu("nowhere", "a")]).validate()) {
            XCTAssertEqual($0 as? IRError, .danglingInput(node: "a (Relu)", input: "nowhere"))
        }
        XCTAssertThrowsError(try graph([relu("x", "a"), Node(name: "b", opType: "Relu", inputs: ["x"], outputs: ["a"])]).validate()) {
            XCTAssertEqual($0 as? IRError, .duplicateName("a"))
        }
        XCTAssertThrowsError(try graph([relu("x", "a")], outputs: ["zz"]).validate()) {
            XCTAssertEqual($0 as? IRError, .missingOutput("zz"))
        }
        // An output that shadows a graph input is a duplicate too.
        XCTAssertThrowsError(try graph([relu("a", "x"), relu("x", "a")]).validate())
        // Omitted optional inputs ("") are not dangling.
        XCTAssertNoThrow(try graph([Node(name: "c", opType: "Clip", inputs: ["x", "", ""], outputs: ["c"])]).validate())
    }

    func testProducersConsumersAndHistogram() {
        let g = graph([relu("x", "a"), Node(name: "m", opType: "Mul", inputs: ["a", "a"], outputs: ["m"])])
        XCTAssertEqual(g.producers(), ["a": 0, "m": 1])
        XCTAssertEqual(g.consumers()["a"], [1, 1])
        XCTAssertEqual(g.opHistogram().map(\.op), ["Mul", "Relu"])
        let custom = graph([Node(name: "p", opType: "Plugin", domain: "trt", inputs: ["x"], outputs: ["p"])])
        XCTAssertEqual(custom.unsupportedOps().map(\.op), ["trt::Plugin"])
    }
}
