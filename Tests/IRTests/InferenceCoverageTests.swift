import XCTest
@testable import IR

/// Every op, fed odd and mismatched inputs: inference returns one type per
/// output or throws an ``IRError``; it never traps.
final class InferenceCoverageTests: XCTestCase {
    func testEveryOpAnswersOrThrowsOnArbitraryInputs() {
        let choices: [(ValueType?, Tensor?)] = [
            (nil, nil),
            (f32(), nil),
            (f32("B", "T", 4), nil),
            (i64(2), Tensor([Int64(1), -1], shape: [2])),
            (i64(1), Tensor([Int64.min], shape: [1])),
        ]
        var inputLists: [[Int]] = [[]]
        for length in 1...3 {
            inputLists += inputLists.filter { $0.count == length - 1 }.flatMap { l in choices.indices.map { l + [$0] } }
        }
        let attributeSets: [[String: Attribute]] = [
            [:], ["axis": .int(-1), "axes": .ints([0]), "to": .int(7), "perm": .ints([2, 1, 0])],
            ["axis": .int(Int.min), "split": .ints([Int.max, 2]), "pads": .ints([Int.max, 1, 2, 3, 4, 5])],
        ]
        var answered = 0
        for op in Op.allCases {
            for list in inputLists {
                for attrs in attributeSets {
                    for opset in [9, 18] {
                        let node = Node(name: "n", opType: op.rawValue, inputs: list.indices.map { "i\($0)" },
                                        outputs: ["a", "b"], attributes: attrs)
                        do {
                            let out = try ShapeInference.inferNode(node, inputs: list.map { choices[$0].0 },
                                                                   constants: list.map { choices[$0].1 }, opset: opset)
                            XCTAssertEqual(out.count, 2, "\(op) \(list) \(attrs) \(opset)")
                            answered += 1
                        } catch {
                            XCTAssertTrue(error is IRError, "\(op) threw \(error)")
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(answered, 1000)
    }

    func testCustomDomainAndUnknownOpsGiveNilTypes() throws {
        let node = Node(name: "p", opType: "Attention", domain: "com.microsoft", inputs: ["x"], outputs: ["y", "z"])
        XCTAssertEqual(try ShapeInference.inferNode(node, inputs: [f32(1)], constants: [nil], opset: 17), [nil, nil])
        let unknown = Node(name: "q", opType: "NotAnOnnxOp", inputs: ["x"], outputs: ["y"])
        XCTAssertEqual(try ShapeInference.inferNode(unknown, inputs: [f32(1)], constants: [nil], opset: 17), [nil])
    }
}
