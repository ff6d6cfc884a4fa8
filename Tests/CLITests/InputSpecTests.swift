import IR
import XCTest

/// The library pieces the commands stand on: `ShapeSpec`, `RandomInputs`,
/// tensor statistics and graph problem listing (all in `Sources/IR/Tools`).
final class InputSpecTests: XCTestCase {
    private let inputs = [
        ValueInfo(name: "speech", type: ValueType(.float32, Shape(["B", "T", 80] as [Dim]))),
        ValueInfo(name: "speech_lengths", type: ValueType(.int32, Shape(["B"] as [Dim]))),
    ]

    func testParsesTrtexecSyntax() throws {
        let spec = try ShapeSpec(parsing: "speech:1x16x80,'input:0':4,x:0x2")
        XCTAssertEqual(spec.names, ["speech", "input:0", "x"])
        XCTAssertEqual(spec.shapes, ["speech": [1, 16, 80], "input:0": [4], "x": [0, 2]])
        XCTAssertEqual(spec.description, "speech:1x16x80,input:0:4,x:0x2")
    }

    func testSyntaxErrors() {
        for bad in ["speech", "speech:", ":1x2", "speech:1x-2", "speech:1xx2", "speech:1x2,", "a:1,a:2"] {
            XCTAssertThrowsError(try ShapeSpec(parsing: bad), bad) { error in
                XCTAssertTrue("\(error)".hasPrefix("--shapes"), "\(error)")
            }
        }
    }

    func testResolveBindsSharedSymbols() throws {
        let shapes = try ShapeSpec(parsing: "speech:2x16x80").resolve(inputs)
        XCTAssertEqual(shapes, ["speech": [2, 16, 80], "speech_lengths": [2]])
    }

    func testResolveErrorsNameTheInput() {
        XCTAssertThrowsError(try ShapeSpec().resolve(inputs)) {
            XCTAssertEqual($0 as? InputSpecError, .unresolvedDim(input: "speech", axis: 0, symbol: "B"))
        }
        XCTAssertThrowsError(try ShapeSpec(parsing: "speech:2x16x81").resolve(inputs)) {
            XCTAssertEqual($0 as? InputSpecError, .staticDim(input: "speech", axis: 2, declared: 80, given: 81))
        }
        XCTAssertThrowsError(try ShapeSpec(parsing: "speech:2x16x80,speech_lengths:3").resolve(inputs)) {
            XCTAssertEqual($0 as? InputSpecError, .conflictingSymbol(symbol: "B", first: "speech", firstSize: 2,
                                                                     second: "speech_lengths", secondSize: 3))
        }
        XCTAssertThrowsError(try ShapeSpec(parsing: "other:1").resolve(inputs)) {
            XCTAssertEqual($0 as? InputSpecError, .unknownInput(option: "--shapes", input: "other",
                                                                inputs: ["speech", "speech_lengths"]))
        }
    }

    func testRandomInputsAreSeededAndRanged() throws {
        let shapes = ["speech": [3, 7, 80], "speech_lengths": [3]]
        let a = try RandomInputs(seed: 5).make(for: inputs, shapes: shapes)
        let b = try RandomInputs(seed: 5).make(for: inputs, shapes: shapes)
        let c = try RandomInputs(seed: 6).make(for: inputs, shapes: shapes)
        XCTAssertEqual(a.map(\.1), b.map(\.1))
        XCTAssertNotEqual(a.map(\.1), c.map(\.1))
        XCTAssertTrue(a[0].1.floats!.allSatisfy { (-1...1).contains($0) })
        XCTAssertTrue(a[1].1.int32s!.allSatisfy { (1...7).contains($0) }, "lengths default to 1...T")
        let ranged = try RandomInputs(seed: 5, ranges: RandomInputs.parseRanges(["speech_lengths:7,7"]))
            .make(for: inputs, shapes: shapes)
        XCTAssertEqual(ranged[1].1.int32s, [7, 7, 7])
        XCTAssertThrowsError(try RandomInputs.parseRanges(["speech_lengths:3,1"]))
        XCTAssertThrowsError(try RandomInputs(ranges: ["nope": 0...1]).make(for: inputs, shapes: shapes))
    }

    func testStatistics() throws {
        let s = try XCTUnwrap(Tensor([Float(1), 2, 3, 4, .nan, .infinity], shape: [6]).statistics())
        XCTAssertEqual(s.mean, 2.5)
        XCTAssertEqual(s.std!, 1.118033988749895, accuracy: 1e-12)
        XCTAssertEqual(s.min, 1)
        XCTAssertEqual(s.max, 4)
        XCTAssertEqual(s.nanCount, 1)
        XCTAssertEqual(s.infinityCount, 1)
        XCTAssertNil(Tensor([Float](), shape: [0]).statistics()?.mean)
    }

    func testValidationProblemsListsEveryProblem() {
        let graph = Graph(nodes: [Node(name: "a", opType: "Relu", inputs: ["x"], outputs: ["y"]),
                                  Node(name: "b", opType: "Relu", inputs: ["q"], outputs: ["y"])],
                          inputs: [ValueInfo(name: "x", type: nil)],
                          outputs: [ValueInfo(name: "y", type: nil), ValueInfo(name: "w", type: nil)])
        let problems = graph.validationProblems()
        XCTAssertEqual(problems.count, 4, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("'y' is produced more than once") })
        XCTAssertTrue(problems.contains { $0.contains("input 'q'") })
        XCTAssertTrue(problems.contains { $0.contains("'w'") })
        XCTAssertTrue(problems.contains { $0.contains("'x' has no type") })
    }
}
