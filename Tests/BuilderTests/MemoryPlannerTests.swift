@testable import Builder
import IR
import Runtime
import XCTest

final class MemoryPlannerTests: XCTestCase {
    private func value(_ name: String, _ storage: ValueStorage = .activation, shape: [String]? = ["N"]) -> ManifestValue {
        ManifestValue(name: name, dataType: "float32", storage: storage, shape: shape)
    }

    private func layer(_ name: String, _ plugin: String, _ inputs: [Int], _ outputs: [Int]) -> ManifestLayer {
        ManifestLayer(name: name, opType: plugin, plugin: plugin, domain: engineDomain, version: 1, attributes: [:],
                      inputs: inputs, outputs: outputs, stage: "run", tactics: ["t"], tacticMs: [nil])
    }

    /// x → a → b → c → y: buffers whose lives do not overlap share memory;
    /// an alias shares its input's slot; the graph output is never reused.
    func testLivenessAliasAndOutputs() {
        let values = [value("x", .input), value("a"), value("b"), value("c"), value("y"), value("w", .weight)]
        let layers = [layer("L0", "Unary", [0], [1]), layer("L1", "Alias", [1], [2]),
                      layer("L2", "Binary", [2, 5], [3]), layer("L3", "Unary", [3], [4])]
        let planner = MemoryPlanner(bytes: [100, 200, 200, 300, 100, 0], sharesInput: [false, true, false, false],
                                    values: values, layers: layers, graphOutputs: [4])
        let r = planner.plan()
        XCTAssertEqual(r.offsets[2], r.offsets[1], "the alias shares its input's slot")
        XCTAssertEqual(r.aliasOf[2], 1)
        XCTAssertEqual(r.offsets[5], -1, "weights are not in the arena")
        // a/b (live L0...L2) and c (L2...L3) overlap at L2; x (−1...L0) and y (L3...) can share.
        XCTAssertEqual(r.naiveBytes, 128 + 256 + 256 + 320 + 128)
        XCTAssertLessThan(r.arenaBytes, r.naiveBytes)
        for (i, j) in [(0, 1), (1, 3), (3, 4)] {
            let a = r.offsets[i]..<(r.offsets[i] + r.capacities[i]), b = r.offsets[j]..<(r.offsets[j] + r.capacities[j])
            XCTAssertFalse(a.overlaps(b), "values \(i) and \(j) are live together")
        }
        XCTAssertTrue(r.offsets.allSatisfy { $0 % 64 == 0 || $0 == -1 })
    }

    /// In place only when the input's group dies at the layer.
    func testInPlaceOnlyWhenInputDies() {
        let values = [value("x", .input), value("a"), value("b"), value("c")]
        let layers = [layer("L0", "Unary", [0], [1]), layer("L1", "Unary", [1], [2]), layer("L2", "Binary", [1, 2], [3])]
        let planner = MemoryPlanner(bytes: [64, 64, 64, 64], sharesInput: [true, true, true],
                                    values: values, layers: layers, graphOutputs: [3])
        let r = planner.plan()
        XCTAssertEqual(r.aliasOf[1], 0, "x dies at L0: a reuses it")
        XCTAssertNil(r.aliasOf[2], "a is read again by L2: b needs its own slot")
        XCTAssertEqual(r.aliasOf[3], 0, "a dies at L2, which may write c over it (b is another slot)")
        XCTAssertNotEqual(r.offsets[2], r.offsets[0])
    }

    func testDimExprEvaluation() {
        let bindings = ["B": 4, "T": 67]
        XCTAssertEqual(DimExpr(Dim.symbol("(T-1)/2")).evaluate(bindings), 33)
        XCTAssertEqual(DimExpr(Dim.symbol("B*T+3")).evaluate(bindings), 271)
        XCTAssertEqual(DimExpr(Dim.symbol("min(T,16)")).evaluate(bindings), 16)
        XCTAssertEqual(DimExpr(Dim.symbol("((T-1)/2-1)/2")).evaluate(bindings), 16)
        XCTAssertNil(DimExpr(Dim.symbol("S+1")).evaluate(bindings))
        XCTAssertEqual(DimExpr(Dim.symbol("B*T")).symbolNames, ["B", "T"])
    }
}
