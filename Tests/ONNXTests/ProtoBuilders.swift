import Foundation
import IR
@testable import ONNX
import XCTest

/// Small builders for ONNX protos, so tests can write models by hand.
enum Proto {
    static func tensor(_ name: String, _ type: DataType, dims: [Int64], raw: Data) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = Int32(type.rawValue)
        t.dims = dims
        t.rawData = raw
        return t
    }

    static func tensor(_ name: String, typeCode: Int32, dims: [Int64],
                       fill: (inout Onnx_TensorProto) -> Void) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = typeCode
        t.dims = dims
        fill(&t)
        return t
    }

    static func floats(_ name: String, _ values: [Float], dims: [Int64]) -> Onnx_TensorProto {
        tensor(name, typeCode: 1, dims: dims) { $0.floatData = values }
    }

    static func valueInfo(_ name: String, _ type: DataType, _ dims: [Onnx_TensorShapeProto.Dimension]?) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var tt = Onnx_TypeProto.Tensor()
        tt.elemType = Int32(type.rawValue)
        if let dims {
            var shape = Onnx_TensorShapeProto()
            shape.dim = dims
            tt.shape = shape
        }
        v.type.tensorType = tt
        return v
    }

    static func dim(_ value: Int64) -> Onnx_TensorShapeProto.Dimension {
        var d = Onnx_TensorShapeProto.Dimension()
        d.dimValue = value
        return d
    }

    static func dim(_ param: String) -> Onnx_TensorShapeProto.Dimension {
        var d = Onnx_TensorShapeProto.Dimension()
        d.dimParam = param
        return d
    }

    static var unknownDim: Onnx_TensorShapeProto.Dimension { Onnx_TensorShapeProto.Dimension() }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "",
                     domain: String = "", attributes: [Onnx_AttributeProto] = []) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = name
        if !domain.isEmpty { n.domain = domain }
        n.attribute = attributes
        return n
    }

    static func attribute(_ name: String, _ fill: (inout Onnx_AttributeProto) -> Void) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        fill(&a)
        return a
    }

    /// A model `y = Relu(x)` with one initializer per given tensor.
    static func model(initializers: [Onnx_TensorProto] = [], nodes: [Onnx_NodeProto]? = nil,
                      opsets: [String: Int64] = ["": 17]) -> Onnx_ModelProto {
        var g = Onnx_GraphProto()
        g.name = "test"
        g.node = nodes ?? [node("Relu", ["x"], ["y"], name: "relu")]
        g.input = [valueInfo("x", .float32, [dim("B"), dim(4)])]
        g.output = [valueInfo("y", .float32, [dim("B"), dim(4)])]
        g.initializer = initializers
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = "swift-tests"
        m.graph = g
        m.opsetImport = opsets.sorted { $0.key < $1.key }.map { domain, version in
            var o = Onnx_OperatorSetIdProto()
            o.domain = domain
            o.version = version
            return o
        }
        return m
    }

    static func bytes(_ m: Onnx_ModelProto) throws -> Data { try m.serializedBytes() }

    static func load(_ m: Onnx_ModelProto, directory: URL? = nil) throws -> Model {
        try ONNXImporter().load(data: bytes(m), source: "test.onnx", externalDataDirectory: directory)
    }

    /// Little-endian bytes of an array (the host is little-endian on every CI machine).
    static func le<T>(_ values: [T]) -> Data { values.withUnsafeBytes { Data($0) } }
}

/// A fresh temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("onnx-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Asserts that `body` throws an `ONNXError` for which `matches` holds, with a one-line description.
func assertONNXError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
                        _ matches: (ONNXError) -> Bool) {
    do {
        _ = try body()
        XCTFail("expected an ONNXError", file: file, line: line)
    } catch let error as ONNXError {
        XCTAssertTrue(matches(error), "unexpected error: \(error)", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "description is not one line", file: file, line: line)
    } catch {
        XCTFail("expected an ONNXError, got \(error)", file: file, line: line)
    }
}

extension Tensor {
    /// A float32 tensor (avoids literal ambiguity between the typed initializers).
    init(f32 values: [Float], shape: [Int]) { self.init(shape: shape, data: .float32(values)) }
}
