import XCTest
@testable import IR

/// Runs one node's inference: `inputs` are the input types in order, `constants`
/// the constant inputs by position.
func inferTypes(_ opType: String, _ inputs: [ValueType?], attributes: [String: Attribute] = [:],
                constants: [Int: Tensor] = [:], outputs: Int = 1, opset: Int = 17) throws -> [ValueType?] {
    let names = inputs.indices.map { i in inputs[i] == nil && constants[i] == nil ? "" : "in\(i)" }
    let node = Node(name: "n", opType: opType, inputs: names,
                    outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
    let consts = inputs.indices.map { constants[$0] }
    return try ShapeInference.inferNode(node, inputs: inputs, constants: consts, opset: opset)
}

/// The single output's type of one node's inference.
func inferType(_ opType: String, _ inputs: [ValueType?], attributes: [String: Attribute] = [:],
               constants: [Int: Tensor] = [:], opset: Int = 17) throws -> ValueType? {
    try inferTypes(opType, inputs, attributes: attributes, constants: constants, opset: opset).first ?? nil
}

/// A float32 value type of the given dims.
func f32(_ dims: Dim...) -> ValueType { ValueType(.float32, Shape(dims)) }

/// An int64 value type of the given dims.
func i64(_ dims: Dim...) -> ValueType { ValueType(.int64, Shape(dims)) }

/// A 1-D int64 constant and its type.
func ints(_ values: [Int]) -> (type: ValueType, tensor: Tensor) {
    (i64(.value(values.count)), Tensor(values.map { Int64($0) }, shape: [values.count]))
}

/// Asserts that `body` throws a shape-inference error naming node `n`.
func assertShapeError<T>(_ body: @autoclosure () throws -> T, _ contains: String = "",
                      file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard case IRError.shapeInference(let node, let reason) = error else {
            return XCTFail("expected a shape inference error, got \(error)", file: file, line: line)
        }
        XCTAssertTrue(node.hasPrefix("n ("), "error names node '\(node)'", file: file, line: line)
        if !contains.isEmpty {
            XCTAssertTrue(reason.contains(contains), "'\(reason)' lacks '\(contains)'", file: file, line: line)
        }
    }
}
